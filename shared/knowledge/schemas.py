"""Knowledge-base API shapes (camelCase at the edge)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
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


class RetrievedChunk(msgspec.Struct, rename="camel", frozen=True, kw_only=True):
    """One passage found for a question: what the reply agent grounds on and what kb search shows.

    (The vector store's own hit, before the document's title and liveness are known, is
    shared.tenancy.vectors.ChunkHit.)
    """

    document_id: str
    document_title: str
    chunk_index: int
    page: int | None
    text: str
    # The fused hybrid score (1.0 for the best hit of a search).
    score: float
    # Cosine similarity to the question: absolute, so it tells "nothing relevant" apart from "best
    # of what there is" (shared/knowledge/similarity.py).
    similarity: float = 0.0


class SearchResponse(msgspec.Struct, rename="camel", kw_only=True):
    query: str
    hits: list[RetrievedChunk]


class DocumentUploadForm(msgspec.Struct, kw_only=True):
    """The multipart/form-data fields of ``POST /documents`` (the route streams them itself: a 25 MB
    file is never held whole in memory)."""

    file: Annotated[bytes, msgspec.Meta(description="The document; its file name comes from the part's filename.",
                                        extra_json_schema={"format": "binary"})]
    title: str | None = None
