"""The relay: enqueues committed jobs that ``publish`` did not get into Redis, across all tenants.

It runs inside every worker process (started by ``OutboxRelay`` at worker boot) on the worker's
event loop, independent of Dramatiq's own threads, so it keeps going while Redis is away and
catches up as soon as Redis is back. The cross-tenant read goes through the owner-run functions
``outbox_claim`` / ``outbox_mark_sent`` / ``outbox_purge`` (migration 2026-11-26T02:10:00), which
return and touch job ids and actor names only, never another table.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import Future
from typing import ClassVar
from uuid import UUID

import dramatiq
import msgspec

from shared.infra.postgres import engine
from shared.ops.metrics import OUTBOX_RELAYED
from shared.outbox.staging import Job, enqueue_job, mark_sent
from shared.settings import Settings, load

logger = logging.getLogger("bokai.outbox")


class OutboxSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "OUTBOX_"
    relay_interval_seconds: float = 2.0
    # A row younger than this is probably being published by the request that wrote it.
    min_age_seconds: float = 5.0
    # How long a claimed row is left alone by other relays (a relay killed mid-batch loses only this).
    lease_seconds: float = 30.0
    batch_size: int = 200
    # Sent rows are kept this long (to answer "was it enqueued?"), then purged.
    keep_sent_hours: float = 24.0


async def _claim(settings: OutboxSettings) -> list[Job]:
    async with engine().pool.acquire() as connection:
        rows = await connection.fetch("SELECT * FROM outbox_claim($1, $2, $3)", settings.min_age_seconds,
                                      settings.lease_seconds, settings.batch_size)
    return [Job(r["id"], r["tenant_id"], r["queue_name"], r["actor_name"],
                tuple(msgspec.json.decode(r["args"]) if isinstance(r["args"], (str, bytes)) else r["args"]))
            for r in rows]


async def purge_sent(settings: OutboxSettings | None = None) -> int:
    settings = settings or load(OutboxSettings)
    async with engine().pool.acquire() as connection:
        return await connection.fetchval("SELECT outbox_purge($1)", settings.keep_sent_hours * 3600)


async def relay_once(settings: OutboxSettings | None = None) -> int:
    """Enqueue one batch of unsent jobs; returns how many went out. Stops at the first enqueue
    failure (Redis is down: the rest of the batch waits for its lease to end)."""
    settings = settings or load(OutboxSettings)
    jobs = await _claim(settings)
    sent: list[UUID] = []
    try:
        for job in jobs:
            try:
                await asyncio.to_thread(enqueue_job, job)
            except Exception as problem:  # noqa: BLE001 — retried on a later tick
                logger.warning("outbox relay: enqueue failed (%s); %d jobs wait for the next try",
                               type(problem).__name__, len(jobs) - len(sent))
                break
            sent.append(job.id)
    finally:
        if sent:
            await mark_sent(sent)
    if sent:
        OUTBOX_RELAYED.inc(len(sent))
        logger.info("outbox relay enqueued %d jobs whose first enqueue had failed", len(sent))
    return len(sent)


async def relay_forever() -> None:
    settings = load(OutboxSettings)
    ticks = 0
    while True:
        try:
            # A full batch means more are waiting: go again at once.
            while await relay_once(settings) >= settings.batch_size:
                pass
            ticks += 1
            if ticks % 300 == 1:
                await purge_sent(settings)
        except asyncio.CancelledError:
            raise
        except Exception as problem:  # noqa: BLE001 — Postgres restarting: keep the loop alive
            logger.warning("outbox relay tick failed: %s: %s", type(problem).__name__, problem)
        await asyncio.sleep(settings.relay_interval_seconds)


class OutboxRelay(dramatiq.Middleware):
    """Runs ``relay_forever`` on the worker's event loop from boot to shutdown."""

    def __init__(self) -> None:
        self._task: Future | None = None

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        from dramatiq.asyncio import get_event_loop_thread

        self._task = asyncio.run_coroutine_threadsafe(relay_forever(), get_event_loop_thread().loop)

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        if self._task is not None:
            self._task.cancel()
