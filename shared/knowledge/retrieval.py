"""Retrieval for the reply agent and the seller's own KB test: top chunks with sources and scores."""

from __future__ import annotations

from uuid import UUID

from shared.knowledge.schemas import RetrievedChunk
from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.tables import KnowledgeDocument
from shared.tenancy.db import tenant_tx

# Hybrid search over-fetches so chunks of stale generations can be dropped without losing recall.
OVERFETCH = 4
# Weight of the vector side. BM25 has no Polish stemming, so keyword-heavy fusion hurts: on the
# Polish FAQ set (bench/kb_recall.py) recall@5 is 0.82 at 0.5 and 0.92 at 0.75.
DEFAULT_ALPHA = 0.75


async def search(stores: KnowledgeStores, tenant_id: UUID | str, query: str, k: int = 5,
                 *, alpha: float = DEFAULT_ALPHA, query_vector: list[float] | None = None) -> list[RetrievedChunk]:
    """``query_vector``: the query's e5 embedding when the caller already has it (saves ~50 ms)."""
    query = " ".join(query.split())
    if not query or k <= 0:
        return []
    if query_vector is None:
        [query_vector] = await stores.embedder.embed_queries([query])
    hits = await stores.vectors(tenant_id).hybrid(query, query_vector, limit=k * OVERFETCH, alpha=alpha)
    if not hits:
        return []
    document_ids = [UUID(d) for d in {h.document_id for h in hits} if _is_uuid(d)]
    if not document_ids:
        return []
    async with tenant_tx(tenant_id):
        active = {
            str(row["id"]): row
            for row in await KnowledgeDocument.select(
                KnowledgeDocument.id, KnowledgeDocument.title, KnowledgeDocument.active_generation
            ).where(
                KnowledgeDocument.id.is_in(document_ids)
                & (KnowledgeDocument.status == "ready")
            )
        }
    results = []
    for hit in hits:
        document = active.get(hit.document_id)
        if document is None or document["active_generation"] != hit.generation:
            continue  # deleted, failed, or a generation being replaced
        results.append(RetrievedChunk(document_id=hit.document_id, document_title=document["title"],
                                      chunk_index=hit.chunk_index, page=hit.page, text=hit.text,
                                      score=hit.score, similarity=hit.similarity))
        if len(results) == k:
            break
    return results


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True
