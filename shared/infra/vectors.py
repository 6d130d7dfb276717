"""Weaviate connection and the knowledge-chunk collection (multi-tenant: one tenant per seller)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from shared.settings import Settings, load

if TYPE_CHECKING:
    from weaviate import WeaviateAsyncClient

KNOWLEDGE_COLLECTION = "KnowledgeChunk"
# Weaviate's BM25 stopwords are English; these Polish function words match nearly every chunk.
POLISH_STOPWORDS = [
    "a", "aby", "ale", "bo", "by", "być", "czy", "dla", "do", "gdy", "i", "ich", "ile", "jak", "jaki",
    "jest", "już", "kiedy", "ma", "mam", "mi", "mnie", "mogę", "moje", "może", "na", "nie", "o", "od",
    "po", "pod", "przez", "przy", "się", "są", "ta", "tak", "te", "to", "u", "w", "we", "z", "za", "ze",
    "że", "jestem", "proszę", "dzień", "dobry", "witam", "pozdrawiam",
]
CURATED_COLLECTION = "CuratedQuestion"
EMBEDDING_DIMENSIONS = 384


class VectorStoreSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "WEAVIATE_"
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    grpc_host: str = "127.0.0.1"
    grpc_port: int = 50051
    secure: bool = False
    api_key: str | None = None


async def connect_weaviate(settings: VectorStoreSettings | None = None) -> WeaviateAsyncClient:
    # ~680 ms import: only the functions and actors that search or index pay it.
    import weaviate
    from weaviate.classes.init import AdditionalConfig, Auth, Timeout

    settings = settings or load(VectorStoreSettings)
    client = weaviate.use_async_with_custom(
        http_host=settings.http_host,
        http_port=settings.http_port,
        http_secure=settings.secure,
        grpc_host=settings.grpc_host,
        grpc_port=settings.grpc_port,
        grpc_secure=settings.secure,
        auth_credentials=Auth.api_key(settings.api_key) if settings.api_key else None,
        additional_config=AdditionalConfig(timeout=Timeout(init=10, query=30, insert=60)),
        # The client's init checks include a GET of pypi.org's page for the package (a "newer client"
        # warning) on every connect, and there is no other switch for it (weaviate-python-client
        # issue 1943): a cluster must not phone home. Still checked without them: the server answers
        # /v1/meta and is new enough (connect() raises otherwise); the gRPC port shows at the first query.
        skip_init_checks=True,
    )
    await client.connect()
    return client


def knowledge_properties() -> list:  # of weaviate Property, imported lazily
    from weaviate.classes.config import DataType, Property, Tokenization

    return [
        Property(name="document_id", data_type=DataType.TEXT, skip_vectorization=True,
                 tokenization=Tokenization.FIELD),
        Property(name="generation", data_type=DataType.TEXT, skip_vectorization=True,
                 tokenization=Tokenization.FIELD),
        Property(name="chunk_index", data_type=DataType.INT),
        Property(name="page", data_type=DataType.INT),
        Property(name="title", data_type=DataType.TEXT),
        Property(name="text", data_type=DataType.TEXT),
    ]


def knowledge_vector_index():  # noqa: ANN201 — a weaviate config object, imported lazily
    from weaviate.classes.config import Configure, VectorDistances

    # Vectors come from our own embedder (multilingual-e5-small); Weaviate runs no vectorizer.
    # Flat (exact) indexing is synchronous: a chunk is searchable as soon as it is written, which
    # the generation swap relies on. bench/kb_index.py measured the alternatives: HNSW saves 1–2 ms of
    # ~10 ms server CPU per hybrid query at 10k chunks (nothing at 1k) for ×4 disk per seller; dynamic
    # needs ASYNC_INDEXING, which loses read-your-writes. Weaviate cannot change an existing
    # collection's index: another one means a new collection and re-ingestion (README).
    return Configure.VectorIndex.flat(distance_metric=VectorDistances.COSINE)


async def create_knowledge_collection(client: WeaviateAsyncClient, name: str, vector_index: object) -> None:
    """A multi-tenant chunk collection: the schema of ``KnowledgeChunk`` (benches compare index types)."""
    from weaviate.classes.config import Configure

    await client.collections.create(
        name,
        multi_tenancy_config=Configure.multi_tenancy(
            enabled=True, auto_tenant_creation=True, auto_tenant_activation=True
        ),
        inverted_index_config=Configure.inverted_index(stopwords_additions=POLISH_STOPWORDS),
        vector_config=Configure.Vectors.self_provided(vector_index_config=vector_index),
        properties=knowledge_properties(),
    )


async def ensure_knowledge_collection(client: WeaviateAsyncClient) -> None:
    if await client.collections.exists(KNOWLEDGE_COLLECTION):
        # Properties and settings added after the collection was created (Weaviate has no migrations).
        collection = client.collections.use(KNOWLEDGE_COLLECTION)
        config = await collection.config.get()
        existing = {p.name for p in config.properties}
        for prop in knowledge_properties():
            if prop.name not in existing:
                await collection.config.add_property(prop)
        if set(config.inverted_index_config.stopwords.additions or []) != set(POLISH_STOPWORDS):
            from weaviate.classes.config import Reconfigure

            await collection.config.update(
                inverted_index_config=Reconfigure.inverted_index(stopwords_additions=POLISH_STOPWORDS))
        return
    await create_knowledge_collection(client, KNOWLEDGE_COLLECTION, knowledge_vector_index())


async def ensure_curated_collection(client: WeaviateAsyncClient) -> None:
    from weaviate.classes.config import Configure, DataType, Property, VectorDistances

    if await client.collections.exists(CURATED_COLLECTION):
        return
    await client.collections.create(
        CURATED_COLLECTION,
        multi_tenancy_config=Configure.multi_tenancy(
            enabled=True, auto_tenant_creation=True, auto_tenant_activation=True
        ),
        # A seller has tens to hundreds of curated questions: a flat index is exact and small.
        vector_config=Configure.Vectors.self_provided(
            vector_index_config=Configure.VectorIndex.flat(distance_metric=VectorDistances.COSINE)
        ),
        properties=[Property(name="question", data_type=DataType.TEXT)],
    )
