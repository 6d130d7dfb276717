"""Staging an event in the very transaction that changed the state it reports.

A state change (a conversation handed to a person, a reply sent, ...) calls ``stage_event`` inside its
tenant transaction: one delivery row per subscribed endpoint and its ``events.deliver`` job (the
outbox) commit or roll back with the change, so no event is lost and none reports a change that did
not happen. The caller hands the returned jobs to ``shared.outbox.staging.publish`` after the commit.

Events never fail the change that emits them: everything here runs in a savepoint, and a database
error inside it is logged and the event dropped, the caller's transaction going on as if no endpoint
were subscribed. A seller without endpoints costs one indexed lookup.
"""

from __future__ import annotations

import logging
import uuid
from uuid import UUID

import asyncpg
import msgspec

from shared.outbox.staging import Job, stage
from shared.tenancy.db import tx_connection

logger = logging.getLogger("bokai.events")

DELIVER_ACTOR = ("events", "events.deliver")

_SUBSCRIBED = """
SELECT id FROM event_endpoints WHERE tenant_id = $1 AND enabled AND event_types ? $2 ORDER BY created_at, id
"""
# An event staged twice with the same id (a repeated job) is one delivery per endpoint.
_INSERT = """
INSERT INTO event_deliveries (id, tenant_id, endpoint_id, event_id, event_type, data, status, attempts, created_at)
VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'pending', 0, now())
ON CONFLICT (endpoint_id, event_id) DO NOTHING
RETURNING id
"""


async def stage_event(tenant_id: UUID, event_type: str, data: dict, *, event_id: UUID | None = None) -> list[Job]:
    """Inside the caller's tenant transaction; ``data`` holds ids, codes and timestamps only."""
    connection = tx_connection()
    encoded = msgspec.json.encode(data).decode()
    event_id = event_id or uuid.uuid4()
    jobs: list[Job] = []
    try:
        async with connection.transaction():  # a savepoint: a failure here leaves the caller's work intact
            for endpoint in await connection.fetch(_SUBSCRIBED, tenant_id, event_type):
                delivery_id = await connection.fetchval(_INSERT, uuid.uuid4(), tenant_id, endpoint["id"], event_id,
                                                        event_type, encoded)
                if delivery_id is not None:
                    jobs.append(await stage(tenant_id, *DELIVER_ACTOR, str(tenant_id), str(delivery_id)))
    except asyncpg.PostgresError as problem:
        logger.warning("event %s of tenant %s not staged (%s); the change it reports stands",
                       event_type, tenant_id, type(problem).__name__)
        return []
    return jobs
