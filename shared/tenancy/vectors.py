"""Knowledge chunks of one tenant in Weaviate: the handle only ever holds a tenant-bound collection."""

from __future__ import annotations

import operator
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar
from uuid import UUID

from shared.infra.vectors import CURATED_COLLECTION, KNOWLEDGE_COLLECTION
from shared.tenancy.ids import parse_tenant_id
from shared.tenancy.vector_activity import in_active_tenant

if TYPE_CHECKING:
    from weaviate import WeaviateAsyncClient

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ChunkHit:
    """What the store holds for a hit, before anyone knows whether its document is live (``generation``)
    or what it is called; shared/knowledge/retrieval.py turns the live ones into ``RetrievedChunk``."""

    document_id: str
    chunk_index: int
    title: str
    text: str
    score: float
    generation: str = ""
    page: int | None = None
    # Cosine similarity to the query vector: absolute, unlike the fused hybrid score (always 1.0
    # for the best hit), so it can tell "nothing relevant" apart from "best of what there is".
    similarity: float = 0.0


@dataclass(frozen=True, slots=True)
class ChunkToIndex:
    document_id: str
    chunk_index: int
    title: str
    text: str
    vector: list[float]
    generation: str = ""
    page: int | None = None


class TenantVectors:
    def __init__(self, client: WeaviateAsyncClient, tenant_id: UUID | str, *,
                 collection: str = KNOWLEDGE_COLLECTION) -> None:
        """``collection``: another collection with the chunk schema (bench/kb_index.py compares indexes)."""
        self.tenant_id = parse_tenant_id(tenant_id)
        # One Weaviate tenant per seller; the name is the seller's UUID (valid Weaviate tenant name).
        self._base = client.collections.use(collection)
        self._collection = self._base.with_tenant(str(self.tenant_id))

    async def _active(self, call: Callable[[], Awaitable[T]]) -> T:
        # Every call goes through here: records the use, wakes a tenant the idle sweep put to sleep.
        return await in_active_tenant(self._base, str(self.tenant_id), call)

    async def insert(self, chunks: list[ChunkToIndex]) -> list[str]:
        from weaviate.classes.data import DataObject

        objects = [
            DataObject(
                properties={
                    "document_id": c.document_id,
                    "generation": c.generation,
                    "chunk_index": c.chunk_index,
                    "page": c.page,
                    "title": c.title,
                    "text": c.text,
                },
                vector=c.vector,
            )
            for c in chunks
        ]
        result = await self._active(lambda: self._collection.data.insert_many(objects))
        if result.has_errors:
            first = next(iter(result.errors.values()))
            raise RuntimeError(f"weaviate rejected {len(result.errors)} chunks: {first.message}")
        return [str(u) for u in result.uuids.values()]

    async def hybrid(self, query: str, vector: list[float], *, limit: int = 5,
                     alpha: float = 0.5) -> list[ChunkHit]:
        from weaviate.classes.query import MetadataQuery

        try:
            response = await self._active(lambda: self._collection.query.hybrid(
                query=query, vector=vector, alpha=alpha, limit=limit,
                return_metadata=MetadataQuery(score=True), include_vector=True,
            ))
        except Exception as exc:
            if _tenant_missing(exc):
                return []
            raise
        return [self._hit(o.properties, o.metadata.score, _cosine(vector, o.vector.get("default")))
                for o in response.objects]

    async def delete_document(self, document_id: str, *, generation: str | None = None,
                              keep_generation: str | None = None) -> int:
        """Delete a document's chunks: all, one ``generation``, or all but ``keep_generation``."""
        from weaviate.classes.query import Filter

        where = Filter.by_property("document_id").equal(document_id)
        if generation is not None:
            where = where & Filter.by_property("generation").equal(generation)
        if keep_generation is not None:
            where = where & Filter.by_property("generation").not_equal(keep_generation)
        try:
            result = await self._active(lambda: self._collection.data.delete_many(where=where))
        except Exception as exc:
            if _tenant_missing(exc):
                return 0
            raise
        return int(result.successful)

    async def count(self) -> int:
        try:
            response = await self._active(lambda: self._collection.aggregate.over_all(total_count=True))
        except Exception as exc:
            if _tenant_missing(exc):
                return 0
            raise
        return int(response.total_count or 0)

    @staticmethod
    def _hit(properties: dict[str, Any], score: float | None, similarity: float = 0.0) -> ChunkHit:
        return ChunkHit(
            document_id=str(properties.get("document_id", "")),
            chunk_index=int(properties.get("chunk_index") or 0),
            title=str(properties.get("title") or ""),
            text=str(properties.get("text") or ""),
            score=float(score or 0.0),
            generation=str(properties.get("generation") or ""),
            page=int(properties["page"]) if properties.get("page") is not None else None,
            similarity=similarity,
        )


class TenantCuratedQuestions:
    """One seller's curated questions; the object id is the curated answer's id (upserts are idempotent)."""

    def __init__(self, client: WeaviateAsyncClient, tenant_id: UUID | str) -> None:
        self.tenant_id = parse_tenant_id(tenant_id)
        self._base = client.collections.use(CURATED_COLLECTION)
        self._collection = self._base.with_tenant(str(self.tenant_id))

    async def _active(self, call: Callable[[], Awaitable[T]]) -> T:
        # See TenantVectors._active.
        return await in_active_tenant(self._base, str(self.tenant_id), call)

    async def upsert(self, answer_id: UUID, question: str, vector: list[float]) -> None:
        from weaviate.classes.data import DataObject

        # Batch writes with an explicit id overwrite: an upsert that also creates the tenant.
        result = await self._active(lambda: self._collection.data.insert_many(
            [DataObject(properties={"question": question}, vector=vector, uuid=answer_id)]))
        if result.has_errors:
            raise RuntimeError(f"weaviate rejected the curated question: {next(iter(result.errors.values())).message}")

    async def nearest(self, vector: list[float], limit: int = 3) -> list[tuple[UUID, float]]:
        """(answer id, cosine similarity) of the closest curated questions, best first."""
        from weaviate.classes.query import MetadataQuery

        try:
            response = await self._active(lambda: self._collection.query.near_vector(
                near_vector=vector, limit=limit, return_metadata=MetadataQuery(distance=True)))
        except Exception as exc:
            if _tenant_missing(exc):
                return []
            raise
        return [(UUID(str(o.uuid)), 1.0 - float(o.metadata.distance or 0.0)) for o in response.objects]

    async def delete(self, answer_id: UUID) -> None:
        try:
            await self._active(lambda: self._collection.data.delete_by_id(answer_id))
        except Exception as exc:
            if not _tenant_missing(exc):
                raise


def _cosine(query: list[float], stored: Any) -> float:
    # Both vectors are L2-normalised by the embedder, so the dot product is the cosine.
    if not stored:
        return 0.0
    # map(mul) instead of a generator: 0.21 vs 0.36 ms for a search's 20 hits of 384 dimensions.
    return float(sum(map(operator.mul, query, stored)))


def _tenant_missing(exc: Exception) -> bool:
    # Weaviate creates a tenant on its first insert; until then reads fail with "tenant not found".
    return "tenant not found" in str(exc).lower()
