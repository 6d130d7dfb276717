"""An actor used only by tests/worker: proves a real worker runs async actors with the DB pool and tenancy."""

from __future__ import annotations

import dramatiq

from shared.conversations.tables import Message
from shared.infra.redis import make_redis
from shared.tenancy.db import tenant_tx
from shared.tenancy.keys import TenantKeys


@dramatiq.actor(actor_name="probe.count_messages", queue_name="probe", max_retries=0)
async def count_messages(tenant_id: str) -> None:
    async with tenant_tx(tenant_id):
        count = await Message.count()
    redis = make_redis()
    try:
        await TenantKeys(redis, tenant_id).set("probe:message-count", count, ttl_seconds=300)
    finally:
        await redis.aclose()


@dramatiq.actor(actor_name="probe.bulk_job", queue_name="knowledge", max_retries=0)
async def bulk_job(tenant_id: str, job: str, seconds: str) -> None:
    """A stand-in for one seller's ingestion in the bulk class: takes ``seconds``, records its end."""
    import asyncio
    import time

    await asyncio.sleep(float(seconds))
    redis = make_redis()
    try:
        await redis.rpush(f"probe:bulk-done:{dramatiq.get_broker().namespace}", f"{tenant_id}:{job}:{time.time()}")
    finally:
        await redis.aclose()
