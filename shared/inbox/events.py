"""Storing a received event once and handing it to the inbox actor."""

from __future__ import annotations

import uuid
from uuid import UUID

import msgspec

from shared.broker import enqueue
from shared.tenancy.db import tx_connection

PROCESS_ACTOR = ("inbox", "inbox.process_event")

_INSERT = """
INSERT INTO inbox_events (id, tenant_id, source, external_id, event_type, payload, status, attempts,
                          received_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'received', 0, now())
ON CONFLICT (source, external_id) DO NOTHING
RETURNING id
"""


async def insert_event(tenant_id: UUID, source: str, external_id: str, event_type: str,
                       payload: msgspec.Struct) -> UUID | None:
    """Insert inside the caller's tenant transaction; None when (source, external_id) is already stored."""
    connection = tx_connection()
    return await connection.fetchval(
        _INSERT, uuid.uuid4(), tenant_id, source[:120], external_id[:255], event_type[:60],
        msgspec.json.encode(payload).decode(),
    )


def hand_over(tenant_id: UUID, event_id: UUID | None) -> bool:
    """Enqueue processing of a newly stored event (call after its transaction committed)."""
    if event_id is None:
        return False
    enqueue(*PROCESS_ACTOR, str(tenant_id), str(event_id))
    return True
