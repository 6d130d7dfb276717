"""The live decision's query embedding is read back by the reply class's generation instead of being
computed again (shared.ai.query_vectors): same seller and text, no second call to the server; another
seller or another text, a call of its own."""

from __future__ import annotations

import uuid

import msgspec
import pytest

from shared.ai.query_vectors import query_vector
from shared.infra.embeddings import Embedder, EmbeddingSettings
from shared.infra.redis import make_redis
from shared.knowledge.stores import KnowledgeStores
from shared.settings import load
from tests.support import closed_url

pytestmark = pytest.mark.integration


def _stores(redis, *, reachable: bool) -> KnowledgeStores:
    configured = load(EmbeddingSettings)
    url = (configured.interactive_base_url or configured.base_url) if reachable else closed_url()
    settings = msgspec.structs.replace(configured, base_url=url, interactive_base_url=url, max_retries=0)
    return KnowledgeStores(minio=None, bucket="", weaviate=None, embedder=Embedder(settings), redis=redis)


async def test_a_second_look_at_the_same_burst_needs_no_embedding_server():
    redis = make_redis()
    working, unreachable = _stores(redis, reachable=True), _stores(redis, reachable=False)
    seller, neighbour = uuid.uuid4(), uuid.uuid4()
    text = f"Czy mogę zwrócić towar po 20 dniach? {uuid.uuid4().hex}"
    try:
        first = await query_vector(working, seller, text)
        assert len(first) == load(EmbeddingSettings).dimensions
        assert await query_vector(unreachable, seller, text) == first, "read back, not embedded again"
        with pytest.raises(Exception, match="Connection"):
            await query_vector(unreachable, neighbour, text)  # another seller's namespace: not shared
        with pytest.raises(Exception, match="Connection"):
            await query_vector(unreachable, seller, text + " A jak po 40?")
    finally:
        await working.embedder.close()
        await unreachable.embedder.close()
        await redis.aclose()
