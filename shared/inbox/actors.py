"""Inbox actors: thin, idempotent, ids only."""

from __future__ import annotations

import dramatiq

from shared.inbox.events import PROCESS_ACTOR
from shared.inbox.processing import mark, process_event

QUEUE, PROCESS = PROCESS_ACTOR


@dramatiq.actor(actor_name=PROCESS, queue_name=QUEUE, max_retries=8, min_backoff=2_000,
                max_backoff=300_000, on_retry_exhausted="inbox.processing_gave_up")
async def process(tenant_id: str, event_id: str) -> None:
    await process_event(tenant_id, event_id)


@dramatiq.actor(actor_name="inbox.processing_gave_up", queue_name=QUEUE, max_retries=3)
async def processing_gave_up(message_data: dict, retry_info: dict) -> None:
    from uuid import UUID

    tenant_id, event_id = message_data["args"][:2]
    # Kept (not deleted) and visible as failed: nothing accepted is lost; an operator can re-enqueue it.
    await mark(UUID(tenant_id), UUID(event_id), "failed", "gave up after retries")
