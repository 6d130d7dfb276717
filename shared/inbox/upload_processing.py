"""A presigned upload arrived in MinIO: check its size and the seller's subscription, then hand the
document to ingestion."""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from uuid import UUID

from shared.auth.principal import PAYING_STATUSES
from shared.inbox.schemas import UploadNotification
from shared.knowledge.presigned import AWAITING_UPLOAD
from shared.knowledge.service import MAX_DOCUMENT_BYTES
from shared.knowledge.stores import process_stores
from shared.knowledge.tables import KnowledgeDocument
from shared.outbox.staging import publish, stage
from shared.tenancy.db import tenant_tx, tx_connection

logger = logging.getLogger("bokai.inbox")
INGEST = ("knowledge", "knowledge.ingest_document")
TOO_LARGE = f"file too large: the limit is {MAX_DOCUMENT_BYTES // (1024 * 1024)} MB"
# The ticket was issued while the seller paid (the kb function answers 402 otherwise); the file may
# arrive after the subscription lapsed. Ingestion costs embedding time, so it is refused like any
# other, and the file is kept: a re-ingest after renewing needs no second upload.
NOT_PAYING = "subscription inactive: renew it, then re-ingest this document"


async def finish_upload(tenant_id: UUID, upload: UploadNotification) -> None:
    """Idempotent: only a document still awaiting its upload moves on, and its ingestion job commits
    with that move (the outbox relay enqueues it if this process dies before ``publish``)."""
    document_id = UUID(upload.document_id)
    now = datetime.now(timezone.utc)
    # The upload policy bounds the size in MinIO already (shared/knowledge/presigned.py); measured here
    # again, after the fact, for an object that arrived some other way (a ticket from before the policy).
    too_large = upload.size_bytes > MAX_DOCUMENT_BYTES
    async with tenant_tx(tenant_id):
        subscription = await tx_connection().fetchval(
            "SELECT subscription_status FROM tenants WHERE id = $1", tenant_id)
        error = None
        if too_large:
            error = TOO_LARGE
        elif subscription not in PAYING_STATUSES:
            error = NOT_PAYING
        moved = await KnowledgeDocument.update({
            KnowledgeDocument.status: "failed" if error else "pending",
            KnowledgeDocument.size_bytes: upload.size_bytes, KnowledgeDocument.error: error,
            KnowledgeDocument.updated_at: now,
        }).where((KnowledgeDocument.id == document_id) & (KnowledgeDocument.object_key == upload.object_name)
                 & (KnowledgeDocument.status == AWAITING_UPLOAD)).returning(KnowledgeDocument.id)
        job = await stage(tenant_id, *INGEST, str(tenant_id), str(document_id)) if moved and not error else None
        current = await KnowledgeDocument.select(KnowledgeDocument.status, KnowledgeDocument.error).where(
            KnowledgeDocument.id == document_id).first()
    if moved and error == NOT_PAYING:
        logger.info("upload of document %s not ingested: subscription %s", document_id, subscription)
    if too_large and current is not None and current["error"] == TOO_LARGE:
        if moved:
            logger.info("upload of document %s refused: %s bytes", document_id, upload.size_bytes)
        # Deleting again on a redelivery is harmless and covers a crash right after the update.
        await (await process_stores()).objects(tenant_id).delete(upload.object_name)
    await publish(job)
