"""Ingestion of one document: extract → chunk → embed → index a new generation → swap atomically."""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from uuid import UUID

from shared.events.emit import stage_event
from shared.knowledge.chunking import chunk_sections
from shared.knowledge.extraction import KIND_CONTENT_TYPES, ExtractionError, detect_kind, extract_sections
from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.tables import KnowledgeDocument
from shared.outbox.staging import publish
from shared.tenancy.db import tenant_tx
from shared.tenancy.vectors import ChunkToIndex

logger = logging.getLogger("bokai.knowledge.ingestion")

EMBED_BATCH = 32
LOCK_SECONDS = 15 * 60
ProgressCallback = Callable[[int, int], None]  # (chunks done, chunks total)


class DocumentBusy(Exception):
    """Another ingestion of the same document is running; the actor retries later."""


async def _update(tenant_id: UUID, document_id: UUID, **fields: object) -> None:
    fields["updated_at"] = datetime.now(timezone.utc)
    async with tenant_tx(tenant_id):
        await KnowledgeDocument.update(
            {getattr(KnowledgeDocument, name): value for name, value in fields.items()}
        ).where(KnowledgeDocument.id == document_id)


async def _finish_failed(tenant_id: UUID, document_id: UUID, error: str) -> None:
    """status 'failed' with the reason, announced (document.ingested) in the same transaction."""
    async with tenant_tx(tenant_id):
        failed = await KnowledgeDocument.update({
            KnowledgeDocument.status: "failed", KnowledgeDocument.error: error,
            KnowledgeDocument.progress_percent: 0, KnowledgeDocument.updated_at: datetime.now(timezone.utc),
        }).where(KnowledgeDocument.id == document_id).returning(KnowledgeDocument.id)
        jobs = await _stage_ingested(tenant_id, document_id, "failed", 0) if failed else []
    await publish(*jobs)


async def _stage_ingested(tenant_id: UUID, document_id: UUID, status: str, chunk_count: int):
    # The error text stays in the API (GET the document): events carry codes and ids only.
    return await stage_event(tenant_id, "document.ingested", {
        "documentId": document_id, "status": status, "chunkCount": chunk_count,
        "finishedAt": datetime.now(timezone.utc)})


async def ingest_document(stores: KnowledgeStores, tenant_id: UUID | str, document_id: UUID | str,
                          on_progress: ProgressCallback | None = None) -> str:
    """Index the document's current object; returns its final status.

    Safe to run again for the same document (redelivery, re-ingestion): each run indexes a fresh
    generation and only then makes it the active one. Infrastructure errors propagate so the
    actor retries; problems with the file itself end as status "failed" with a reason.
    """
    tenant_id, document_id = UUID(str(tenant_id)), UUID(str(document_id))
    # Two runs of one document would delete each other's generations: one at a time.
    lock = stores.keys(tenant_id)
    lock_name = f"ingest-lock:{document_id}"
    if not await lock.set(lock_name, lock_token := uuid.uuid4().hex, ttl_seconds=LOCK_SECONDS,
                          only_if_new=True):
        raise DocumentBusy(str(document_id))
    try:
        return await _ingest_locked(stores, tenant_id, document_id, on_progress)
    finally:
        if await lock.get(lock_name) == lock_token.encode():
            await lock.delete(lock_name)


async def _ingest_locked(stores: KnowledgeStores, tenant_id: UUID, document_id: UUID,
                         on_progress: ProgressCallback | None) -> str:
    async with tenant_tx(tenant_id):
        document = await KnowledgeDocument.objects().where(KnowledgeDocument.id == document_id).first()
    if document is None:
        return "deleted"
    generation = uuid.uuid4().hex
    vectors = stores.vectors(tenant_id)
    await _update(tenant_id, document_id, status="processing", progress_percent=0, error=None)
    try:
        data = await stores.objects(tenant_id).get_bytes(document.object_key)
        kind = detect_kind(data, document.filename or document.object_key)
        sections = await asyncio.to_thread(extract_sections, kind, data)
        chunks = chunk_sections(sections)
        for start in range(0, len(chunks), EMBED_BATCH):
            batch = chunks[start:start + EMBED_BATCH]
            # A chunk without a heading (most PDFs) is embedded under its document's title for topic.
            embeddings = await stores.embedder.embed_passages(
                [c.embedding_text if c.heading else f"{document.title}\n{c.text}" for c in batch])
            await vectors.insert([
                ChunkToIndex(str(document_id), c.index, c.heading or document.title, c.text, v,
                             generation=generation, page=c.page)
                for c, v in zip(batch, embeddings, strict=True)
            ])
            done = start + len(batch)
            await _update(tenant_id, document_id, progress_percent=int(done * 100 / len(chunks)))
            if on_progress:
                on_progress(done, len(chunks))
    except ExtractionError as problem:
        await vectors.delete_document(str(document_id), generation=generation)
        await _finish_failed(tenant_id, document_id, str(problem))
        logger.info("document %s of tenant %s failed: %s", document_id, tenant_id, problem)
        return "failed"
    except BaseException:
        # Leave no half-indexed generation behind; the retry indexes a new one.
        await asyncio.shield(vectors.delete_document(str(document_id), generation=generation))
        raise
    async with tenant_tx(tenant_id):
        still_there = await KnowledgeDocument.update({
            KnowledgeDocument.status: "ready",
            KnowledgeDocument.active_generation: generation,
            KnowledgeDocument.chunk_count: len(chunks),
            KnowledgeDocument.progress_percent: 100,
            KnowledgeDocument.content_type: KIND_CONTENT_TYPES[kind],
            KnowledgeDocument.updated_at: datetime.now(timezone.utc),
        }).where(KnowledgeDocument.id == document_id).returning(KnowledgeDocument.id)
        jobs = await _stage_ingested(tenant_id, document_id, "ready", len(chunks)) if still_there else []
    await publish(*jobs)
    # Searches ignore every other generation from the moment the row above committed.
    await vectors.delete_document(str(document_id), keep_generation=None if not still_there else generation)
    logger.info("document %s of tenant %s indexed: %d chunks", document_id, tenant_id, len(chunks))
    return "ready" if still_there else "deleted"


async def mark_gave_up(tenant_id: UUID | str, document_id: UUID | str) -> None:
    """After the last retry: the seller sees a failure they can act on instead of 'processing'."""
    await _finish_failed(UUID(str(tenant_id)), UUID(str(document_id)),
                         "indexing failed repeatedly on our side; use re-ingest to try again")
