"""A per-channel counter in Redis, bumped whenever a channel's stored credentials or status change.

Processes that keep a decrypted channel secret in memory (the webhook function, shared/inbox/channels.py)
read the counter with each request and drop their copy when it moved, so a disconnected channel's
secret stops working at once on every replica. The counter lives under the seller's key prefix.
"""

from __future__ import annotations

import logging
from uuid import UUID

import redis.exceptions

from shared.infra.redis import redis_client
from shared.tenancy.keys import TenantKeys

logger = logging.getLogger("bokai.channels")


def version_key(account_id: UUID) -> str:
    return f"channel-credentials-version:{account_id}"


async def bump(tenant_id: UUID, account_id: UUID) -> None:
    """Call after the change committed. Best effort: with Redis away, cached copies still expire on
    their own (shared/inbox/channels.py CACHE_SECONDS), and the change itself must not fail for it."""
    try:
        await TenantKeys(redis_client(), tenant_id).incr(version_key(account_id))
    except (redis.exceptions.RedisError, OSError, RuntimeError) as problem:  # RuntimeError: no client here
        logger.warning("channel %s changed but its cached secrets could not be invalidated (%s); they "
                       "expire on their own", account_id, type(problem).__name__)
