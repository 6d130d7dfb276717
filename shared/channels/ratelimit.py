"""Per-account posting limits shared by every worker process (Allegro: 1 message/s per user)."""

from __future__ import annotations

import asyncio
from uuid import UUID

from redis.asyncio import Redis

from shared.infra.redis import open_redis, redis_client
from shared.tenancy.keys import TenantKeys


class SlotUnavailable(Exception):
    def __init__(self, retry_after: float) -> None:
        super().__init__("posting slot unavailable")
        self.retry_after = retry_after


async def channel_redis() -> Redis:
    """The process-wide client; worker processes open it on first use (functions open it at startup)."""
    try:
        return redis_client()
    except RuntimeError:
        await open_redis()
        return redis_client()


async def take_post_slot(tenant_id: UUID, account_id: UUID, platform: str, *, interval_ms: int = 1000,
                         max_wait_seconds: float = 10.0) -> None:
    """Wait until this account may post again, then take the slot for ``interval_ms``.

    One key per tenant+account set with NX and a PX expiry: whoever sets it owns the next
    interval, every other worker waits for the key's remaining TTL. Raises SlotUnavailable after
    ``max_wait_seconds`` so a delivery is retried later instead of holding a worker thread.
    """
    redis = await channel_redis()
    key = TenantKeys(redis, tenant_id).key(f"channels:{platform}:post-slot:{account_id}")
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_wait_seconds
    while not await redis.set(key, b"1", px=interval_ms, nx=True):
        remaining_ms = await redis.pttl(key)
        wait = max(remaining_ms, 20) / 1000
        if loop.time() + wait > deadline:
            raise SlotUnavailable(wait)
        await asyncio.sleep(wait)
