"""Storing a received event once, with its processing job in the same transaction (the outbox)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from uuid import UUID

import msgspec

from shared.outbox.staging import Job, insert_and_stage, publish, stage
from shared.tenancy.db import tx_connection

PROCESS_ACTOR = ("inbox", "inbox.process_event")

_INSERT = """
INSERT INTO inbox_events (id, tenant_id, source, external_id, event_type, payload, status, attempts,
                          received_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'received', 0, now())
ON CONFLICT (source, external_id) DO NOTHING
RETURNING id
"""
# A redelivery finds the event still unprocessed this long after it arrived: its job is probably
# lost (Redis flushed or restored from an old snapshot), so it is enqueued again. Sooner than that
# the first job is most likely still queued (a sender retrying a timed-out request at once).
REENQUEUE_AFTER_SECONDS = 30
_EXISTING = """
SELECT id, status = 'received' AND received_at < now() - make_interval(secs => $3) AS stuck
  FROM inbox_events WHERE source = $1 AND external_id = $2
"""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    event_id: UUID | None
    duplicate: bool
    # The processing job staged with the event; None when nothing needs processing.
    job: Job | None


def _insert_params(tenant_id: UUID, source: str, external_id: str, event_type: str,
                   payload: msgspec.Struct) -> tuple:
    return (uuid.uuid4(), tenant_id, source[:120], external_id[:255], event_type[:60],
            msgspec.json.encode(payload).decode())


async def insert_event(tenant_id: UUID, source: str, external_id: str, event_type: str,
                       payload: msgspec.Struct) -> UUID | None:
    """Insert inside the caller's tenant transaction; None when (source, external_id) is already stored."""
    return await tx_connection().fetchval(_INSERT, *_insert_params(tenant_id, source, external_id, event_type,
                                                                   payload))


async def store_event(tenant_id: UUID, source: str, external_id: str, event_type: str,
                      payload: msgspec.Struct) -> StoredEvent:
    """Insert inside the caller's tenant transaction and stage its processing there too.

    A redelivery of an event stored but still unprocessed after ``REENQUEUE_AFTER_SECONDS`` stages
    its processing again (the first job may have been lost with Redis); processing is idempotent.
    """
    event_id, job = await insert_and_stage(_INSERT, _insert_params(tenant_id, source, external_id, event_type, payload),
                                           tenant_id, *PROCESS_ACTOR)
    if event_id is not None:
        return StoredEvent(event_id, False, job)
    existing = await tx_connection().fetchrow(_EXISTING, source[:120], external_id[:255], REENQUEUE_AFTER_SECONDS)
    if existing is None or not existing["stuck"]:
        return StoredEvent(existing and existing["id"], True, None)
    job = await stage(tenant_id, *PROCESS_ACTOR, str(tenant_id), str(existing["id"]))
    return StoredEvent(existing["id"], True, job)


async def hand_over(stored: StoredEvent) -> None:
    """After the transaction committed: enqueue now if Redis is there, else the outbox relay will."""
    await publish(stored.job)
