"""Replay protection for signed webhooks: a signature accepted once is refused again within its window.

The signature itself (HMAC-SHA256 over ``timestamp.body``, five minutes' tolerance) is
shared/http/signatures.py; this adds what only a receiver needs, per channel account, in Redis.
"""

from __future__ import annotations

import hashlib
import logging

import redis.exceptions

from shared.http.signatures import TOLERANCE_SECONDS
from shared.infra.redis import redis_client
from shared.tenancy.keys import TenantKeys

logger = logging.getLogger("bokai.inbox")


class ReplayedRequest(Exception):
    """This exact signed request was accepted before; answered 409 (its first copy was stored)."""


def _replay_key(channel_account_id: object, signature: str) -> str:
    return f"webhook-signature:{channel_account_id}:{hashlib.sha256(signature.encode()).hexdigest()[:40]}"


async def claim_signature(tenant_id: object, channel_account_id: object, signature: str) -> bool:
    """Record this signature as accepted; False when it already was (the request is a replay).

    Called only after the event is stored (an exact replay repeats the messageId, so storing it again
    is a no-op): a request that failed before this point may be sent again as is, and the check costs
    no round trip of its own — it runs beside the job's enqueue.

    With Redis away the request counts as new: the event is stored by then (a replay of it stored
    nothing, its messageId being taken) and its job waits in the outbox, so a 500 would only make
    the sender retry what was accepted.
    """
    try:
        # Twice the tolerance: after that the timestamp alone makes the request stale.
        return await TenantKeys(redis_client(), tenant_id).set(
            _replay_key(channel_account_id, signature), b"1", ttl_seconds=2 * TOLERANCE_SECONDS, only_if_new=True)
    except (redis.exceptions.RedisError, OSError) as problem:
        logger.warning("replay guard unavailable (%s); the stored event decides", type(problem).__name__)
        return True
