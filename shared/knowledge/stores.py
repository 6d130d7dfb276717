"""The clients knowledge work needs, opened once per process and handed out bound to a tenant."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING
from uuid import UUID

from shared.infra.embeddings import Embedder
from shared.infra.objects import ObjectStoreSettings, make_minio
from shared.infra.redis import make_redis
from shared.infra.vectors import connect_weaviate, ensure_curated_collection, ensure_knowledge_collection
from shared.settings import load
from shared.tenancy.keys import TenantKeys
from shared.tenancy.objects import TenantObjects
from shared.tenancy.vectors import TenantCuratedQuestions, TenantVectors

if TYPE_CHECKING:
    from minio import Minio
    from redis.asyncio import Redis
    from weaviate import WeaviateAsyncClient


@dataclass
class KnowledgeStores:
    minio: Minio
    bucket: str
    weaviate: WeaviateAsyncClient
    embedder: Embedder
    redis: Redis

    @classmethod
    async def open(cls) -> KnowledgeStores:
        settings = load(ObjectStoreSettings)
        weaviate = await connect_weaviate()
        await ensure_knowledge_collection(weaviate)
        await ensure_curated_collection(weaviate)
        return cls(make_minio(settings), settings.bucket, weaviate, Embedder(), make_redis())

    async def close(self) -> None:
        await self.weaviate.close()
        await self.embedder.close()
        await self.redis.aclose()

    def keys(self, tenant_id: UUID | str) -> TenantKeys:
        return TenantKeys(self.redis, tenant_id)

    def objects(self, tenant_id: UUID | str) -> TenantObjects:
        return TenantObjects(self.minio, self.bucket, tenant_id)

    def vectors(self, tenant_id: UUID | str) -> TenantVectors:
        return TenantVectors(self.weaviate, tenant_id)

    def curated_questions(self, tenant_id: UUID | str) -> TenantCuratedQuestions:
        return TenantCuratedQuestions(self.weaviate, tenant_id)


_process_stores: KnowledgeStores | None = None
_lock = asyncio.Lock()


async def process_stores() -> KnowledgeStores:
    """The worker's shared instance, opened on first use on the worker's event loop."""
    global _process_stores
    async with _lock:
        if _process_stores is None:
            _process_stores = await KnowledgeStores.open()
    return _process_stores
