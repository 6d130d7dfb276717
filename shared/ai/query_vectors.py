"""The query embedding of a customer's burst, kept a few minutes in the seller's Redis namespace: the
live class's decision computes it, the reply class's generation (which decides again) reads it back
instead of asking the embedding server a second time for the same text."""

from __future__ import annotations

from array import array
from hashlib import sha256
from uuid import UUID

from redis.exceptions import RedisError

from shared.knowledge.similarity import embedding_model_id
from shared.knowledge.stores import KnowledgeStores

# Longer than a generation waits in the reply class's queue at a busy hour; short enough that a
# text's vector never outlives a change of embedding model by much (the model is in the key anyway).
KEEP_SECONDS = 15 * 60


async def query_vector(stores: KnowledgeStores, tenant_id: UUID | str, query_text: str) -> list[float]:
    keys = stores.keys(tenant_id)
    name = "query-vector:" + sha256(f"{embedding_model_id()}\0{query_text}".encode()).hexdigest()
    try:
        kept = await keys.get(name)
    except RedisError:
        kept = None  # Redis away: embed again rather than fail the reply
    if kept:
        return array("d", kept).tolist()
    [vector] = await stores.embedder.embed_queries([query_text])
    try:
        await keys.set(name, array("d", vector).tobytes(), ttl_seconds=KEEP_SECONDS)
    except RedisError:
        pass
    return vector
