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


async def _timed_job(tenant_id: str, job: str, seconds: str) -> None:
    import asyncio
    import time

    await asyncio.sleep(float(seconds))
    redis = make_redis()
    try:
        await redis.rpush(f"probe:bulk-done:{dramatiq.get_broker().namespace}", f"{tenant_id}:{job}:{time.time()}")
    finally:
        await redis.aclose()


@dramatiq.actor(actor_name="probe.bulk_job", queue_name="knowledge", max_retries=0)
async def bulk_job(tenant_id: str, job: str, seconds: str) -> None:
    """A stand-in for one seller's ingestion in the bulk class: takes ``seconds``, records its end."""
    await _timed_job(tenant_id, job, seconds)


@dramatiq.actor(actor_name="probe.live_job", queue_name="inbox", max_retries=0)
async def live_job(tenant_id: str, job: str, seconds: str) -> None:
    """The same in the live class."""
    await _timed_job(tenant_id, job, seconds)


async def _embed_and_record(tenant_id: str, run: str, job_class: str) -> None:
    """Embeds one query in the seller's lane and records which way it went: ``ok`` or the error."""
    from shared.infra.embeddings import Embedder
    from shared.tenancy.fairness import tenant_lane

    embedder = Embedder()
    try:
        with tenant_lane(tenant_id):
            await embedder.embed_queries(["Czy mogę zwrócić towar?"])
        outcome = "ok"
    except Exception as problem:  # noqa: BLE001 - the test reads which server the call reached
        outcome = type(problem).__name__
    finally:
        await embedder.close()
    redis = make_redis()
    try:
        await redis.rpush(f"probe:embedded:{run}", f"{job_class}:{outcome}")
    finally:
        await redis.aclose()


# One live-class queue and one bulk-class queue: the same code, told apart only by the job's class.
@dramatiq.actor(actor_name="probe.embed_live", queue_name="replies", max_retries=0)
async def embed_live(tenant_id: str, run: str) -> None:
    await _embed_and_record(tenant_id, run, "live")


@dramatiq.actor(actor_name="probe.embed_bulk", queue_name="knowledge", max_retries=0)
async def embed_bulk(tenant_id: str, run: str) -> None:
    await _embed_and_record(tenant_id, run, "bulk")


async def _record(key: str, value: str) -> None:
    redis = make_redis()
    try:
        await redis.rpush(f"{key}:{dramatiq.get_broker().namespace}", value)
    finally:
        await redis.aclose()


@dramatiq.actor(actor_name="probe.crash_worker", queue_name="knowledge", max_retries=3,
                on_retry_exhausted="probe.record_gave_up")
async def crash_worker(tenant_id: str, job: str) -> None:
    """A poisoned job: kills its worker process every time it starts (a segfault, an OOM kill)."""
    import os

    await _record("probe:started", f"{tenant_id}:{job}")
    os._exit(70)


@dramatiq.actor(actor_name="probe.hang", queue_name="knowledge", max_retries=1, min_backoff=100, max_backoff=200,
                time_limit=1_000, on_retry_exhausted="probe.record_gave_up")
async def hang(tenant_id: str, job: str) -> None:
    """A poisoned job that never finishes."""
    import asyncio

    await _record("probe:started", f"{tenant_id}:{job}")
    await asyncio.Event().wait()


@dramatiq.actor(actor_name="probe.record_gave_up", queue_name="knowledge", max_retries=3)
async def record_gave_up(message_data: dict, retry_info: dict) -> None:
    import json

    await _record("probe:gave-up", json.dumps({"args": message_data["args"], **retry_info}))


@dramatiq.actor(actor_name="probe.warm_state", queue_name="ai", max_retries=0)
async def warm_state(tenant_id: str, run: str) -> None:
    """What was already loaded when this job started (shared.ai.actors.WarmUp)."""
    import json

    from shared.ai import language
    from shared.ai.intent.model import load_model
    from shared.ai.verify import fluency
    from shared.knowledge import stores

    await _record(f"probe:warm:{run}", json.dumps({
        "stores": stores._process_stores is not None, "language": language._detector is not None,
        "dictionary": bool(fluency._loaded), "classifier": load_model.cache_info().currsize > 0}))


@dramatiq.actor(actor_name="probe.embed_reply", queue_name="ai", max_retries=0)
async def embed_reply(tenant_id: str, run: str) -> None:
    await _embed_and_record(tenant_id, run, "reply")
