"""Writing a job in the caller's transaction and enqueueing it once that transaction committed."""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from uuid import UUID

import msgspec

from shared.infra.postgres import engine
from shared.tenancy.db import tx_connection

logger = logging.getLogger("bokai.outbox")

_INSERT = """
INSERT INTO outbox (id, tenant_id, queue_name, actor_name, args, created_at, relay_attempts)
VALUES ($1, $2, $3, $4, $5::jsonb, now(), 0)
"""


@dataclass(frozen=True, slots=True)
class Job:
    id: UUID
    tenant_id: UUID
    queue_name: str
    actor_name: str
    args: tuple[str, ...]


async def stage(tenant_id: UUID, queue_name: str, actor_name: str, *args: str) -> Job:
    """Write the job inside the caller's tenant transaction: it commits (or rolls back) with the work."""
    job = Job(uuid.uuid4(), tenant_id, queue_name, actor_name, tuple(str(a) for a in args))
    await tx_connection().execute(_INSERT, job.id, tenant_id, queue_name, actor_name,
                                  msgspec.json.encode(job.args).decode())
    return job


async def insert_and_stage(insert_returning_id: str, params: tuple, tenant_id: UUID, queue_name: str,
                           actor_name: str) -> tuple[UUID | None, Job | None]:
    """The caller's ``INSERT … RETURNING id`` and, for the row it inserted, the job
    ``actor_name(tenant_id, id)`` — in one statement, so one round trip inside the caller's tenant
    transaction instead of two. ``(None, None)`` when the insert inserted nothing (ON CONFLICT)."""
    n = len(params)
    job_id = uuid.uuid4()
    statement = f"""
WITH inserted AS ({insert_returning_id}),
     job AS (INSERT INTO outbox (id, tenant_id, queue_name, actor_name, args, created_at, relay_attempts)
             SELECT ${n + 1}, ${n + 2}::uuid, ${n + 3}, ${n + 4},
                    jsonb_build_array(${n + 2}::uuid::text, inserted.id::text), now(), 0
               FROM inserted)
SELECT id FROM inserted"""
    row_id = await tx_connection().fetchval(statement, *params, job_id, tenant_id, queue_name, actor_name)
    if row_id is None:
        return None, None
    return row_id, Job(job_id, tenant_id, queue_name, actor_name, (str(tenant_id), str(row_id)))


def enqueue_job(job: Job) -> None:
    # Imported here: the broker module creates the Redis broker at import, which tests of pure
    # staging logic and migrations do not need.
    from shared.broker import enqueue

    enqueue(job.queue_name, job.actor_name, *job.args)


async def mark_sent(job_ids: list[UUID]) -> None:
    """Stamp ``sent_at`` on these jobs, whatever their tenants, in one statement and no transaction.

    ``outbox_mark_sent`` (owner-run, migration 2026-11-26T02:10:00) touches only unsent rows with
    these random ids and nothing else, so it needs no tenant scope: one round trip instead of a
    tenant transaction's four, on every accepted webhook.
    """
    async with engine().pool.acquire() as connection:
        await connection.execute("SELECT outbox_mark_sent($1::uuid[])", job_ids)


async def publish(*jobs: Job | None) -> bool:
    """Enqueue committed jobs now; True when all went out. Never raises: what is left is the relay's."""
    sent: list[UUID] = []
    complete = True
    for job in jobs:
        if job is None:
            continue
        try:
            # redis-py is synchronous: a slow or restarting Redis must not stall the event loop.
            await asyncio.to_thread(enqueue_job, job)
        except Exception as problem:  # noqa: BLE001 — any failure leaves the job to the relay
            logger.warning("enqueue of %s deferred to the outbox relay: %s", job.actor_name, type(problem).__name__)
            complete = False
            continue
        sent.append(job.id)
    if sent:
        try:
            await mark_sent(sent)
        except Exception as problem:  # noqa: BLE001 — the relay re-enqueues; consumers are idempotent
            logger.warning("outbox rows not marked sent (%s); the relay will enqueue them again",
                           type(problem).__name__)
    return complete
