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
