"""Knowledge actors: thin, idempotent, ids only."""

from __future__ import annotations

import dramatiq

from shared.knowledge.ingestion import DocumentBusy, ingest_document, mark_gave_up
from shared.knowledge.stores import process_stores
from shared.tenancy.fairness import tenant_lane

INGEST_ACTOR = "knowledge.ingest_document"
QUEUE = "knowledge"


def _retry_when(retries: int, exception: BaseException) -> bool:
    # Busy documents always retry (with backoff); infrastructure errors a bounded number of times.
    return isinstance(exception, DocumentBusy) or retries < 5


@dramatiq.actor(actor_name=INGEST_ACTOR, queue_name=QUEUE, retry_when=_retry_when,
                min_backoff=5_000, max_backoff=300_000, time_limit=20 * 60 * 1000,
                on_retry_exhausted="knowledge.ingestion_gave_up")
async def ingest(tenant_id: str, document_id: str) -> None:
    # A seller's big upload queues behind its own lane on the embedding server, not everyone's.
    with tenant_lane(tenant_id):
        await ingest_document(await process_stores(), tenant_id, document_id)


@dramatiq.actor(actor_name="knowledge.ingestion_gave_up", queue_name=QUEUE, max_retries=3)
async def ingestion_gave_up(message_data: dict, retry_info: dict) -> None:
    tenant_id, document_id = message_data["args"][:2]
    await mark_gave_up(tenant_id, document_id)
