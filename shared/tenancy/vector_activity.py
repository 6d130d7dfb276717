"""When a seller last used their Weaviate tenants, and waking a tenant the idle sweep put to sleep.

Idle sellers' tenants are set INACTIVE by ``shared.knowledge.idle_tenants`` (their vectors and
indexes leave Weaviate's memory). Every use through the tenancy handles in a function or the worker
(search, ingestion, curated answers — so every AI reply) records the seller in one Redis sorted set,
tenant id → Unix time of last use. The record costs the hot path no round trip: a process writes it at most once per
``MARK_EVERY_SECONDS`` per tenant, in a background task nobody awaits; idleness is measured in days.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

from shared.infra.redis import redis_client

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from weaviate.collections.collection.async_ import CollectionAsync

logger = logging.getLogger("bokai.vectors")

# One global key, not tenant data (no "t:<id>:" prefix): the sweep reads every seller's last use with
# one ZRANGE instead of scanning a key per tenant. Weaviate tenant names are seller UUIDs, unique
# across databases that share this Redis and this Weaviate.
LAST_USE_KEY = "weaviate:tenant-last-use"
MARK_EVERY_SECONDS = 600.0

T = TypeVar("T")

_marked: dict[str, float] = {}  # tenant -> monotonic time this process last wrote its use
_writes: set[asyncio.Task[None]] = set()  # held so the event loop does not drop them half-way


def mark_used(tenant: str) -> None:
    """Record a use of ``tenant`` (at most once per MARK_EVERY_SECONDS per process, never waited for).

    Through the process-wide Redis client, which functions open at startup and the worker at boot.
    A process without it (a CLI, a bench) is no seller's activity and records nothing.
    """
    try:
        redis = redis_client()
    except RuntimeError:
        return
    now = time.monotonic()
    last = _marked.get(tenant)
    if last is not None and now - last < MARK_EVERY_SECONDS:
        return
    _marked[tenant] = now
    task = asyncio.get_running_loop().create_task(_write_use(redis, tenant, time.time()))
    _writes.add(task)
    task.add_done_callback(_writes.discard)


async def _write_use(redis: Redis, tenant: str, at: float) -> None:
    try:
        await record_use(redis, tenant, at)
    except Exception as problem:  # noqa: BLE001 — a lost record costs at most one early sleep and wake-up
        # Not retried before the next interval: with Redis away, one warning per tenant per interval.
        logger.warning("could not record Weaviate tenant use: %s", type(problem).__name__)


async def record_use(redis: Redis, tenant: str, at: float) -> None:
    # GT: a slow write of an older use never moves a newer one back.
    await redis.zadd(LAST_USE_KEY, {tenant: at}, gt=True)


async def flush_marks() -> None:
    """Wait for this process's pending use records (tests, benches, shutdown)."""
    if _writes:
        await asyncio.gather(*list(_writes), return_exceptions=True)


def tenant_inactive(exc: Exception) -> bool:
    return "tenant not active" in str(exc).lower()


async def activate(collection: CollectionAsync, tenant: str) -> None:
    """Set ``tenant`` ACTIVE; idempotent, so concurrent callers waking the same tenant all succeed."""
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    await collection.tenants.update([Tenant(name=tenant, activity_status=TenantActivityStatus.ACTIVE)])


async def in_active_tenant(collection: CollectionAsync, tenant: str, call: Callable[[], Awaitable[T]]) -> T:
    """Run ``call`` against ``tenant``; if the sweep left it INACTIVE, activate it and retry once.

    The collections are created with auto-activation (Weaviate wakes a tenant on access by itself);
    this covers collections created without it and makes the contract ours, not a server setting's.
    """
    mark_used(tenant)
    try:
        return await call()
    except Exception as exc:
        if not tenant_inactive(exc):
            raise
    started = time.perf_counter()
    await activate(collection, tenant)
    logger.info("woke Weaviate tenant of an idle seller in %.0f ms", (time.perf_counter() - started) * 1000)
    return await call()
