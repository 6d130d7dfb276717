"""Idle sellers' Weaviate tenants go INACTIVE and wake on next use, against the real Weaviate and Redis."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest

from shared.infra.redis import close_redis, make_redis, open_redis
from shared.infra.vectors import (
    CURATED_COLLECTION, KNOWLEDGE_COLLECTION, connect_weaviate, ensure_curated_collection,
    ensure_knowledge_collection, knowledge_properties,
)
from shared.knowledge.idle_tenants import deactivate_idle, schedule_sweep
from shared.tenancy.vector_activity import LAST_USE_KEY, flush_marks
from shared.tenancy.vectors import ChunkToIndex, TenantCuratedQuestions, TenantVectors

pytestmark = pytest.mark.integration

DAY = 86400
# Unit vectors along different axes: each tenant's chunk is found by its own axis.
AXIS = {name: [1.0 if i == n else 0.0 for i in range(384)] for n, name in enumerate(("idle", "recent", "other"))}


@pytest.fixture
async def weaviate():
    client = await connect_weaviate()
    await ensure_knowledge_collection(client)
    await ensure_curated_collection(client)
    yield client
    await client.close()


@pytest.fixture
async def redis():
    client = make_redis()
    yield client
    await client.aclose()


async def status(client, collection: str, tenant: uuid.UUID) -> str:
    found = await client.collections.use(collection).tenants.get_by_names([str(tenant)])
    return found[str(tenant)].activity_status.value


async def seller_with_a_chunk(client, name: str) -> tuple[uuid.UUID, TenantVectors]:
    tenant = uuid.uuid4()
    vectors = TenantVectors(client, tenant)
    await vectors.insert([ChunkToIndex(f"doc-{name}", 0, f"Regulamin {name}", f"Zwroty sklepu {name} w 14 dni.",
                                       AXIS[name], generation="g1")])
    return tenant, vectors


async def last_used(redis, tenant: uuid.UUID, at: float) -> None:
    await flush_marks()  # this process's own record of the insert must not land after ours
    await redis.zadd(LAST_USE_KEY, {str(tenant): at})


@pytest.fixture
async def process_redis():
    """The process-wide client functions open at startup and the worker at boot: uses are recorded."""
    await open_redis()
    yield
    await flush_marks()
    await close_redis()


async def test_a_use_records_the_seller_without_waiting_for_redis(weaviate, redis, process_redis):
    tenant, vectors = await seller_with_a_chunk(weaviate, "recent")
    before = time.time()
    await redis.zrem(LAST_USE_KEY, str(tenant))
    from shared.tenancy import vector_activity

    vector_activity._marked.pop(str(tenant), None)  # the insert above already marked it in this process
    await vectors.hybrid("zwroty", AXIS["recent"], limit=3)
    await flush_marks()
    assert await redis.zscore(LAST_USE_KEY, str(tenant)) >= before - 1


async def test_sweep_deactivates_idle_sellers_only_and_is_idempotent(weaviate, redis):
    idle, _ = await seller_with_a_chunk(weaviate, "idle")
    await TenantCuratedQuestions(weaviate, idle).upsert(uuid.uuid4(), "Jak zwrócić towar?", AXIS["idle"])
    recent, _ = await seller_with_a_chunk(weaviate, "recent")
    now = time.time()
    await last_used(redis, idle, now - 20 * DAY)
    await last_used(redis, recent, now - 2 * DAY)

    report = await deactivate_idle(weaviate, redis, idle_days=14, now=now)

    assert str(idle) in report.deactivated[KNOWLEDGE_COLLECTION]
    assert str(idle) in report.deactivated[CURATED_COLLECTION]
    assert str(recent) not in report.tenants
    assert await status(weaviate, KNOWLEDGE_COLLECTION, idle) == "INACTIVE"
    assert await status(weaviate, CURATED_COLLECTION, idle) == "INACTIVE"
    assert await status(weaviate, KNOWLEDGE_COLLECTION, recent) == "ACTIVE"

    again = await deactivate_idle(weaviate, redis, idle_days=14, now=now)
    assert str(idle) not in again.tenants and str(recent) not in again.tenants
    assert await status(weaviate, KNOWLEDGE_COLLECTION, idle) == "INACTIVE"
    assert await status(weaviate, KNOWLEDGE_COLLECTION, recent) == "ACTIVE"


async def test_records_of_tenants_weaviate_no_longer_has_are_dropped_once_idle(weaviate, redis):
    deleted, fresh = uuid.uuid4(), uuid.uuid4()  # neither ever reached Weaviate
    now = time.time()
    await redis.zadd(LAST_USE_KEY, {str(deleted): now - 20 * DAY, str(fresh): now})

    report = await deactivate_idle(weaviate, redis, idle_days=14, now=now)

    assert report.forgotten >= 1
    assert await redis.zscore(LAST_USE_KEY, str(deleted)) is None
    assert await redis.zscore(LAST_USE_KEY, str(fresh)) == now  # a new seller's first use is kept


async def test_search_and_ingestion_wake_a_swept_seller_and_show_only_their_data(weaviate, redis):
    idle, idle_vectors = await seller_with_a_chunk(weaviate, "idle")
    other, _ = await seller_with_a_chunk(weaviate, "other")
    now = time.time()
    await last_used(redis, idle, now - 30 * DAY)
    await last_used(redis, other, now - 30 * DAY)
    report = await deactivate_idle(weaviate, redis, idle_days=14, now=now)
    assert {str(idle), str(other)} <= report.tenants

    # The other seller's chunk lies exactly on the query vector; it must still never show.
    hits = await idle_vectors.hybrid("zwroty sklepu", AXIS["other"], limit=10)
    assert [h.document_id for h in hits] == ["doc-idle"]
    assert await status(weaviate, KNOWLEDGE_COLLECTION, idle) == "ACTIVE"

    other_vectors = TenantVectors(weaviate, other)
    await other_vectors.insert([ChunkToIndex("doc-other-2", 0, "Dostawa", "Wysyłka w 24 godziny.", AXIS["other"])])
    assert await other_vectors.count() == 2
    assert await status(weaviate, KNOWLEDGE_COLLECTION, other) == "ACTIVE"


async def test_a_collection_without_auto_activation_is_woken_once_by_concurrent_searches(weaviate):
    """The tenancy handle's own activation (retry once on "tenant not active"), not the server's."""
    from weaviate.classes.config import Configure
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    name = f"IdleProbe_{uuid.uuid4().hex[:8]}"
    await weaviate.collections.create(
        name, multi_tenancy_config=Configure.multi_tenancy(enabled=True, auto_tenant_creation=True,
                                                           auto_tenant_activation=False),
        vector_config=Configure.Vectors.self_provided(vector_index_config=Configure.VectorIndex.flat()),
        properties=knowledge_properties())
    try:
        seller, other = uuid.uuid4(), uuid.uuid4()
        mine, theirs = TenantVectors(weaviate, seller, collection=name), TenantVectors(weaviate, other, collection=name)
        await mine.insert([ChunkToIndex("doc-idle", 0, "Regulamin", "Zwroty w 14 dni.", AXIS["idle"])])
        await theirs.insert([ChunkToIndex("doc-other", 0, "Regulamin", "Zwroty w 30 dni.", AXIS["other"])])
        tenants = weaviate.collections.use(name).tenants
        await tenants.update([Tenant(name=str(t), activity_status=TenantActivityStatus.INACTIVE)
                              for t in (seller, other)])
        with pytest.raises(Exception, match="tenant not active"):
            await weaviate.collections.use(name).with_tenant(str(seller)).query.fetch_objects(limit=1)

        results = await asyncio.gather(*(mine.hybrid("zwroty", AXIS["other"], limit=5) for _ in range(5)))

        assert all([h.document_id for h in hits] == ["doc-idle"] for hits in results)
        assert await status(weaviate, name, seller) == "ACTIVE"
        assert await status(weaviate, name, other) == "INACTIVE"  # waking one seller wakes no one else
    finally:
        await weaviate.collections.delete(name)


async def test_sweeps_are_enqueued_once_per_interval(redis, monkeypatch, process_redis):
    key = f"test:idle-sweep:{uuid.uuid4()}"  # not the stack worker's key: its ticks must not race ours
    monkeypatch.setenv("IDLE_TENANTS_SCHEDULE_KEY", key)
    monkeypatch.setenv("IDLE_TENANTS_SWEEP_INTERVAL_SECONDS", "120")
    try:
        assert await schedule_sweep() is True
        assert await schedule_sweep() is False
        assert 0 < await redis.ttl(key) <= 120
    finally:
        await redis.delete(key)
