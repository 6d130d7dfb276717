"""Writing a job in the caller's transaction and enqueueing it once that transaction committed."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import defaultdict
from dataclasses import dataclass
from uuid import UUID

import msgspec

from shared.tenancy.db import tenant_tx, tx_connection

logger = logging.getLogger("bokai.outbox")

_INSERT = """
INSERT INTO outbox (id, tenant_id, queue_name, actor_name, args, created_at, relay_attempts)
VALUES ($1, $2, $3, $4, $5::jsonb, now(), 0)
"""
_MARK_SENT = "UPDATE outbox SET sent_at = now() WHERE id = ANY($1::uuid[]) AND sent_at IS NULL"


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


def enqueue_job(job: Job) -> None:
    # Imported here: the broker module creates the Redis broker at import, which tests of pure
    # staging logic and migrations do not need.
    from shared.broker import enqueue

    enqueue(job.queue_name, job.actor_name, *job.args)


async def mark_sent(tenant_id: UUID, job_ids: list[UUID]) -> None:
    async with tenant_tx(tenant_id):
        await tx_connection().execute(_MARK_SENT, job_ids)


async def publish(*jobs: Job | None) -> bool:
    """Enqueue committed jobs now; True when all went out. Never raises: what is left is the relay's."""
    by_tenant: dict[UUID, list[UUID]] = defaultdict(list)
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
        by_tenant[job.tenant_id].append(job.id)
    for tenant_id, ids in by_tenant.items():
        try:
            await mark_sent(tenant_id, ids)
        except Exception as problem:  # noqa: BLE001 — the relay re-enqueues; consumers are idempotent
            logger.warning("outbox rows not marked sent (%s); the relay will enqueue them again",
                           type(problem).__name__)
    return complete
