"""Replay protection for signed webhooks: a signature accepted once is refused again within its window.

The signature itself (HMAC-SHA256 over ``timestamp.body``, five minutes' tolerance) is
shared/http/signatures.py; this adds what only a receiver needs, per channel account, in Redis.
"""

from __future__ import annotations

import hashlib

from shared.http.signatures import TOLERANCE_SECONDS
from shared.infra.redis import redis_client
from shared.tenancy.keys import TenantKeys


class ReplayedRequest(Exception):
    """This exact signed request was accepted before; answered 409 (its first copy was stored)."""


def _replay_key(channel_account_id: object, signature: str) -> str:
    return f"webhook-signature:{channel_account_id}:{hashlib.sha256(signature.encode()).hexdigest()[:40]}"


async def claim_signature(tenant_id: object, channel_account_id: object, signature: str) -> bool:
    """Record this signature as accepted; False when it already was (the request is a replay).

    Called only after the event is stored (an exact replay repeats the messageId, so storing it again
    is a no-op): a request that failed before this point may be sent again as is, and the check costs
    no round trip of its own — it runs beside the job's enqueue.
    """
    # Twice the tolerance: after that the timestamp alone makes the request stale.
    return await TenantKeys(redis_client(), tenant_id).set(
        _replay_key(channel_account_id, signature), b"1", ttl_seconds=2 * TOLERANCE_SECONDS, only_if_new=True)
