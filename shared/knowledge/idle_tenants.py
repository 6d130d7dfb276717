"""Idle sellers cost no Weaviate memory: their tenants are set INACTIVE, woken on next use.

    python -m shared.knowledge.idle_tenants [--idle-days 14]      # one sweep now, prints what it did

An INACTIVE tenant keeps its data on disk but holds no memory (no loaded index, no open segments).
The worker's supervisor enqueues ``knowledge.deactivate_idle_tenants`` every
``IDLE_TENANTS_SWEEP_INTERVAL_SECONDS`` (one sweep per interval for all worker processes, coalesced
in Redis); a seller whose last search, ingestion or AI reply is older than ``IDLE_TENANTS_IDLE_DAYS``
has the tenants of both collections deactivated. The next use wakes them
(``shared.tenancy.vector_activity.in_active_tenant``; the collections also auto-activate).
Last uses come from ``vector_activity.LAST_USE_KEY``; an ACTIVE tenant with no recorded use (one
that existed before this sweep did, or whose record was lost) counts as used now.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import dramatiq

from shared.broker import enqueue_or_fail
from shared.infra.vectors import CURATED_COLLECTION, KNOWLEDGE_COLLECTION
from shared.settings import Settings, load
from shared.infra.redis import redis_client
from shared.tenancy.vector_activity import LAST_USE_KEY

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from weaviate import WeaviateAsyncClient

logger = logging.getLogger("bokai.knowledge")

SWEEP_ACTOR = "knowledge.deactivate_idle_tenants"
QUEUE = "knowledge"
COLLECTIONS = (KNOWLEDGE_COLLECTION, CURATED_COLLECTION)
UPDATE_BATCH = 100


class IdleTenantSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "IDLE_TENANTS_"
    idle_days: float = 14.0
    sweep_interval_seconds: int = 3600
    # Global (not tenant data): at most one sweep enqueued per interval, whichever worker ticks first.
    schedule_key: str = "weaviate:idle-sweep:scheduled"


@dataclass
class SweepReport:
    deactivated: dict[str, list[str]] = field(default_factory=dict)  # collection -> tenant names
    adopted: int = 0  # ACTIVE tenants without a recorded use, counted as used now
    active_left: int = 0
    forgotten: int = 0  # idle records of tenants no collection has (deleted sellers)

    @property
    def tenants(self) -> set[str]:
        return {t for names in self.deactivated.values() for t in names}


async def deactivate_idle(client: WeaviateAsyncClient, redis: Redis, *, idle_days: float,
                          now: float | None = None) -> SweepReport:
    """Set INACTIVE every ACTIVE tenant whose last use is older than ``idle_days``; idempotent."""
    from weaviate.classes.tenants import Tenant, TenantActivityStatus

    now = time.time() if now is None else now
    cutoff = now - idle_days * 86400
    report = SweepReport()
    known: set[str] = set()
    for name in COLLECTIONS:
        if not await client.collections.exists(name):
            continue
        collection = client.collections.use(name)
        tenants = await collection.tenants.get()
        known.update(tenants)
        active = [t for t, tenant in tenants.items() if tenant.activity_status == TenantActivityStatus.ACTIVE]
        idle = await _idle(redis, active, cutoff, now, report)
        report.active_left += len(active) - len(idle)
        for start in range(0, len(idle), UPDATE_BATCH):
            batch = idle[start:start + UPDATE_BATCH]
            # Read again right before: a seller who came back during the sweep keeps their tenant.
            scores = await redis.zmscore(LAST_USE_KEY, batch)
            batch = [t for t, score in zip(batch, scores, strict=True) if score is not None and score < cutoff]
            if batch:
                await collection.tenants.update(
                    [Tenant(name=t, activity_status=TenantActivityStatus.INACTIVE) for t in batch])
                report.deactivated.setdefault(name, []).extend(batch)
    # Keeps the record set as large as the sellers Weaviate holds, not every seller there ever was.
    stale = [m.decode() for m in await redis.zrangebyscore(LAST_USE_KEY, "-inf", cutoff)]
    if gone := [t for t in stale if t not in known]:
        report.forgotten = await redis.zrem(LAST_USE_KEY, *gone)
    return report


async def _idle(redis: Redis, active: list[str], cutoff: float, now: float, report: SweepReport) -> list[str]:
    idle = []
    for start in range(0, len(active), 1000):
        names = active[start:start + 1000]
        scores = await redis.zmscore(LAST_USE_KEY, names)
        unknown = {t: now for t, score in zip(names, scores, strict=True) if score is None}
        if unknown:
            # NX: a use recorded since the read above wins.
            report.adopted += await redis.zadd(LAST_USE_KEY, unknown, nx=True)
        idle += [t for t, score in zip(names, scores, strict=True) if score is not None and score < cutoff]
    return idle


@dramatiq.actor(actor_name=SWEEP_ACTOR, queue_name=QUEUE, max_retries=3, time_limit=30 * 60 * 1000)
async def deactivate_idle_tenants() -> None:
    from shared.knowledge.stores import process_stores

    stores = await process_stores()
    report = await deactivate_idle(stores.weaviate, stores.redis, idle_days=load(IdleTenantSettings).idle_days)
    logger.info("idle sweep: %d sellers' Weaviate tenants deactivated, %d active left, %d adopted, %d forgotten",
                len(report.tenants), report.active_left, report.adopted, report.forgotten)


async def schedule_sweep() -> bool:
    """Enqueue a sweep unless one was enqueued within the interval (called on every supervisor tick,
    with the worker's process-wide Redis client)."""
    settings = load(IdleTenantSettings)
    redis = redis_client()
    if not await redis.set(settings.schedule_key, b"1", ex=settings.sweep_interval_seconds, nx=True):
        return False
    try:
        # No database change to commit with it, and no tenant to stage it under: a direct enqueue, but
        # in a thread and failing fast — on the worker's event loop a wait for Redis would freeze every
        # async actor and the outbox relay.
        await asyncio.to_thread(enqueue_or_fail, QUEUE, SWEEP_ACTOR)
    except Exception:
        await redis.delete(settings.schedule_key)  # not enqueued: the next tick tries again
        raise
    return True


async def _main(idle_days: float) -> int:
    from shared.knowledge.stores import KnowledgeStores

    stores = await KnowledgeStores.open()
    try:
        report = await deactivate_idle(stores.weaviate, stores.redis, idle_days=idle_days)
    finally:
        await stores.close()
    for name, tenants in report.deactivated.items():
        print(f"{name}: {len(tenants)} tenants set INACTIVE")
    print(f"{len(report.tenants)} idle sellers; {report.active_left} active tenants left; "
          f"{report.adopted} without a recorded use counted as used now; {report.forgotten} records of "
          "deleted tenants dropped")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.knowledge.idle_tenants", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--idle-days", type=float, default=None, help="default: IDLE_TENANTS_IDLE_DAYS (14)")
    args = parser.parse_args(argv)
    idle_days = load(IdleTenantSettings).idle_days if args.idle_days is None else args.idle_days
    if idle_days < 0:
        parser.error("--idle-days must not be negative")
    return asyncio.run(_main(idle_days))


if __name__ == "__main__":
    raise SystemExit(main())
