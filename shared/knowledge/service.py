"""Knowledge-base use cases for the kb function and the onboarding CLI."""

from __future__ import annotations

import hashlib
import io
import re
import unicodedata
import uuid
from datetime import datetime, timezone
from typing import IO
from uuid import UUID

import msgspec

from shared.http.cursors import InvalidCursor, decode_cursor, encode_cursor
from shared.infra.shown_text import as_one_shown_line
from shared.knowledge.retrieval import search
from shared.knowledge.schemas import DocumentPage, DocumentView, SearchResponse
from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.tables import KnowledgeDocument
from shared.outbox.staging import publish, stage
from shared.tenancy.db import tenant_tx

MAX_DOCUMENT_BYTES = 25 * 1024 * 1024
MAX_QUERY_CHARS = 500
MAX_K = 20
INGEST_ACTOR = ("knowledge", "knowledge.ingest_document")
# Uploads are spooled: small files stay in memory, anything larger goes to a temp file, never RAM.
SPOOL_MEMORY_BYTES = 1024 * 1024


class DocumentTooLarge(Exception):
    pass


class DuplicateDocument(Exception):
    def __init__(self, existing_id: UUID) -> None:
        super().__init__(str(existing_id))
        self.existing_id = existing_id


class InvalidRequest(ValueError):
    pass


def safe_filename(name: str) -> str:
    """A readable, key-safe file name: 'Regulamin zwrotów (2026).pdf' → 'Regulamin-zwrotow-2026.pdf'."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    ascii_name = unicodedata.normalize("NFKD", base.replace("ł", "l").replace("Ł", "L"))
    ascii_name = ascii_name.encode("ascii", "ignore").decode()
    stem, dot, extension = ascii_name.rpartition(".")
    if not dot:
        stem, extension = extension, ""
    stem = re.sub(r"[^A-Za-z0-9_-]+", "-", stem).strip("-")[:120] or "document"
    extension = re.sub(r"[^A-Za-z0-9]", "", extension)[:10]
    return f"{stem}.{extension}" if extension else stem


# A file's name comes from the seller's disk, so it is cleaned rather than refused: the characters a name
# people see may not hold (shared/infra/shown_text.py: controls, NUL cannot even be stored; line separators;
# zero-width and direction characters, "faktura\u202etxt.exe" shows as "fakturaexe.txt") become spaces.
def display_filename(name: str) -> str:
    """The name stored and shown: its last path segment, one line without hidden characters, at most 255.

    '../../etc/passwd' → 'passwd'; Polish letters stay (unlike ``safe_filename``, which makes keys).
    """
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = as_one_shown_line(base)[:255].strip()
    return cleaned if cleaned not in ("", ".", "..") else "document"


def display_title(title: str | None) -> str | None:
    if title is None:
        return None
    return as_one_shown_line(title)[:255].strip() or None


def _view(row: dict) -> DocumentView:
    return DocumentView(
        id=row["id"], title=row["title"], filename=row["filename"], content_type=row["content_type"],
        size_bytes=row["size_bytes"], status=row["status"], error=row["error"],
        chunk_count=row["chunk_count"], progress_percent=row["progress_percent"],
        created_at=row["created_at"], updated_at=row["updated_at"],
    )


async def add_document(stores: KnowledgeStores, tenant_id: UUID, user_id: UUID | None, *,
                       filename: str, title: str | None, body: IO[bytes], size: int,
                       sha256: str, ingest: bool = True) -> DocumentView:
    """Store the file under the tenant's prefix and create its row (status pending) together with its
    ingestion job (the outbox: enqueued here, or by the relay if Redis is unreachable right now).
    ``ingest=False`` for callers that run ``ingest_document`` themselves.
    """
    # Everything that can refuse the document is decided before its bytes reach the object store:
    # a row insert failing after the upload would leave an object nothing points to.
    if size == 0:
        raise InvalidRequest("The file is empty.")
    if size > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge()
    filename, title = display_filename(filename), display_title(title)
    async with tenant_tx(tenant_id):
        existing = await KnowledgeDocument.select(KnowledgeDocument.id).where(
            KnowledgeDocument.sha256 == sha256).first()
    if existing:
        raise DuplicateDocument(existing["id"])
    document_id = uuid.uuid4()
    name = safe_filename(filename)
    key = f"documents/{document_id}/{name}"
    await stores.objects(tenant_id).put(key, body, length=size)
    now = datetime.now(timezone.utc)
    row = KnowledgeDocument(
        id=document_id, tenant_id=tenant_id, title=title or filename,
        filename=filename, object_key=key, size_bytes=size, sha256=sha256, status="pending",
        uploaded_by=user_id, created_at=now, updated_at=now,
    )
    async with tenant_tx(tenant_id):
        await KnowledgeDocument.insert(row)
        job = await stage(tenant_id, *INGEST_ACTOR, str(tenant_id), str(document_id)) if ingest else None
    await publish(job)
    return _view(row.to_dict())


async def add_document_bytes(stores: KnowledgeStores, tenant_id: UUID, user_id: UUID | None,
                             filename: str, data: bytes, title: str | None = None,
                             ingest: bool = False) -> DocumentView:
    """For callers holding the bytes (onboarding CLI, tests, benches), which ingest the document
    themselves: no ingestion job unless ``ingest=True``."""
    return await add_document(stores, tenant_id, user_id, filename=filename, title=title,
                              body=io.BytesIO(data), size=len(data),
                              sha256=hashlib.sha256(data).hexdigest(), ingest=ingest)


async def list_documents(tenant_id: UUID, *, limit: int = 50, cursor: str | None = None) -> DocumentPage:
    """Newest first (created_at, id descending); the cursor is opaque (shared/http/cursors.py)."""
    limit = max(1, min(limit, 100))
    try:
        after = decode_cursor(cursor) if cursor else None
    except InvalidCursor as invalid:
        raise InvalidRequest(str(invalid)) from None
    async with tenant_tx(tenant_id):
        query = KnowledgeDocument.select().order_by(KnowledgeDocument.created_at, ascending=False) \
            .order_by(KnowledgeDocument.id, ascending=False).limit(limit + 1)
        if after:
            at, row_id = after
            query = query.where((KnowledgeDocument.created_at < at)
                                | ((KnowledgeDocument.created_at == at) & (KnowledgeDocument.id < row_id)))
        rows = await query
    items = [_view(r) for r in rows[:limit]]
    more = len(rows) > limit
    return DocumentPage(items=items, next_cursor=encode_cursor(items[-1].created_at, items[-1].id) if more else None)


async def get_document(tenant_id: UUID, document_id: UUID) -> DocumentView | None:
    async with tenant_tx(tenant_id):
        row = await KnowledgeDocument.select().where(KnowledgeDocument.id == document_id).first()
    return _view(row) if row else None


async def delete_document(stores: KnowledgeStores, tenant_id: UUID, document_id: UUID) -> bool:
    """Row first (searches stop trusting its chunks at once), then chunks and object."""
    async with tenant_tx(tenant_id):
        deleted = await KnowledgeDocument.delete().where(KnowledgeDocument.id == document_id) \
            .returning(KnowledgeDocument.object_key)
    if not deleted:
        return False
    await stores.vectors(tenant_id).delete_document(str(document_id))
    await stores.objects(tenant_id).delete(deleted[0]["object_key"])
    return True


async def mark_for_reingestion(tenant_id: UUID, document_id: UUID) -> DocumentView | None:
    """Back to pending with a new ingestion job (committed together, like ``add_document``)."""
    async with tenant_tx(tenant_id):
        rows = await KnowledgeDocument.update({
            KnowledgeDocument.status: "pending", KnowledgeDocument.error: None,
            KnowledgeDocument.progress_percent: 0,
            KnowledgeDocument.updated_at: datetime.now(timezone.utc),
        }).where(KnowledgeDocument.id == document_id).returning(*KnowledgeDocument.all_columns())
        job = await stage(tenant_id, *INGEST_ACTOR, str(tenant_id), str(document_id)) if rows else None
    await publish(job)
    return _view(rows[0]) if rows else None


async def search_knowledge(stores: KnowledgeStores, tenant_id: UUID, query: str, k: int) -> SearchResponse:
    query = " ".join(query.split())
    if not query:
        raise InvalidRequest("Type a question to search for.")
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidRequest(f"The question is too long (max {MAX_QUERY_CHARS} characters).")
    if not 1 <= k <= MAX_K:
        raise InvalidRequest(f"k must be between 1 and {MAX_K}.")
    hits = await search(stores, tenant_id, query, k)
    return SearchResponse(query=query, hits=[
        msgspec.structs.replace(h, score=round(h.score, 4), similarity=round(h.similarity, 4)) for h in hits])


def _uuid(value: str, field: str) -> UUID:
    try:
        return UUID(value)
    except ValueError:
        raise InvalidRequest(f"{field} is not valid.") from None
