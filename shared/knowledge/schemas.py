"""Knowledge-base API shapes (camelCase at the edge)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class DocumentView(msgspec.Struct, rename="camel", kw_only=True):
    id: UUID
    title: str
    filename: str | None
    content_type: str | None
    size_bytes: int
    # pending | processing | ready | failed
    status: str
    error: str | None
    chunk_count: int
    progress_percent: int
    created_at: datetime
    updated_at: datetime


class DocumentPage(msgspec.Struct, rename="camel", kw_only=True):
    items: list[DocumentView]
    next_cursor: str | None = None


class SearchRequest(msgspec.Struct, rename="camel", kw_only=True):
    query: str
    k: int = 5


class SearchHit(msgspec.Struct, rename="camel", kw_only=True):
    document_id: str
    document_title: str
    chunk_index: int
    page: int | None
    text: str
    score: float


class SearchResponse(msgspec.Struct, rename="camel", kw_only=True):
    query: str
    hits: list[SearchHit]
