"""Tenant isolation of Redis, MinIO, Weaviate and the LLM cache salt, against the real servers."""

from __future__ import annotations

import io
import uuid

import pytest

from shared.infra.embeddings import Embedder
from shared.infra.objects import ObjectStoreSettings, make_minio
from shared.infra.redis import make_redis
from shared.infra.vectors import connect_weaviate, ensure_knowledge_collection
from shared.settings import load
from shared.tenancy.ids import InvalidTenantId
from shared.tenancy.keys import TenantKeys
from shared.tenancy.llm import llm_cache_salt
from shared.tenancy.objects import InvalidObjectName, TenantObjects
from shared.tenancy.vectors import ChunkToIndex, TenantVectors

pytestmark = pytest.mark.integration


@pytest.fixture
def alfa() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
def beta() -> uuid.UUID:
    return uuid.uuid4()


class TestRedis:
    @pytest.fixture
    async def redis(self):
        client = make_redis()
        yield client
        await client.aclose()

    async def test_a_cannot_read_b_keys(self, redis, alfa, beta):
        a, b = TenantKeys(redis, alfa), TenantKeys(redis, beta)
        await a.set("throttle:login", "3", ttl_seconds=60)
        assert await b.get("throttle:login") is None
        assert await a.get("throttle:login") == b"3"
        assert await b.names() == []
        assert await a.names() == ["throttle:login"]
        # Even naming B's full key from A's handle stays inside A's prefix.
        await b.set("secret", "b-only", ttl_seconds=60)
        assert await a.get(b.key("secret")) is None
        assert await a.delete(b.key("secret")) == 0
        assert await b.get("secret") == b"b-only"

    async def test_counters_are_per_tenant(self, redis, alfa, beta):
        a, b = TenantKeys(redis, alfa), TenantKeys(redis, beta)
        assert [await a.incr("n", ttl_seconds=60) for _ in range(3)] == [1, 2, 3]
        assert await b.incr("n", ttl_seconds=60) == 1

    def test_tenant_must_be_a_uuid(self, redis):
        with pytest.raises(InvalidTenantId):
            TenantKeys(redis, "*")


class TestObjects:
    @pytest.fixture
    def minio_and_bucket(self):
        settings = load(ObjectStoreSettings)
        return make_minio(settings), settings.bucket

    async def test_a_cannot_read_list_or_delete_b_objects(self, minio_and_bucket, alfa, beta):
        client, bucket = minio_and_bucket
        a, b = TenantObjects(client, bucket, alfa), TenantObjects(client, bucket, beta)
        body = "Zwroty przyjmujemy w ciągu 14 dni.".encode()
        await b.put("docs/zwroty.txt", io.BytesIO(body), length=len(body), content_type="text/plain")

        assert await b.get_bytes("docs/zwroty.txt") == body
        assert [o.name for o in await b.list()] == ["docs/zwroty.txt"]
        assert await a.list() == []
        with pytest.raises(Exception, match="NoSuchKey|does not exist"):
            await a.get_bytes("docs/zwroty.txt")
        # Guessing B's full key from A's handle: the name stays under A's prefix.
        with pytest.raises(Exception, match="NoSuchKey|does not exist"):
            await a.get_bytes(b.key("docs/zwroty.txt"))
        await a.delete("docs/zwroty.txt")  # S3 deletes of missing keys succeed silently
        assert await b.get_bytes("docs/zwroty.txt") == body

    @pytest.mark.parametrize("name", ["../other/x", "a/../../x", "/abs", "a//b", "", "a\\b", "a\x00b"])
    def test_escaping_names_are_refused(self, minio_and_bucket, alfa, name):
        client, bucket = minio_and_bucket
        with pytest.raises(InvalidObjectName):
            TenantObjects(client, bucket, alfa).key(name)

    async def test_presigned_upload_url_is_bound_to_the_tenant_prefix(self, minio_and_bucket, alfa):
        client, bucket = minio_and_bucket
        url = await TenantObjects(client, bucket, alfa).presigned_put_url("uploads/a.pdf")
        assert f"/{bucket}/tenants/{alfa}/uploads/a.pdf?" in url


class TestVectors:
    @pytest.fixture
    async def weaviate(self):
        client = await connect_weaviate()
        await ensure_knowledge_collection(client)
        yield client
        await client.close()

    @pytest.fixture
    def embedder(self):
        return Embedder()

    async def test_search_in_a_never_returns_b_objects(self, weaviate, embedder, alfa, beta):
        a, b = TenantVectors(weaviate, alfa), TenantVectors(weaviate, beta)
        a_texts = ["Zwrot towaru jest możliwy w ciągu 30 dni od dostawy."]
        b_texts = ["Zwrot towaru jest możliwy w ciągu 14 dni, koszt wysyłki pokrywa klient.",
                   "Wysyłamy paczki kurierem DPD w 24 godziny."]
        a_vectors = await embedder.embed_passages(a_texts)
        b_vectors = await embedder.embed_passages(b_texts)
        await a.insert([ChunkToIndex("doc-a", i, "Regulamin A", t, v)
                        for i, (t, v) in enumerate(zip(a_texts, a_vectors, strict=True))])
        await b.insert([ChunkToIndex("doc-b", i, "Regulamin B", t, v)
                        for i, (t, v) in enumerate(zip(b_texts, b_vectors, strict=True))])

        query = "W ile dni mogę zwrócić towar?"
        [query_vector] = await embedder.embed_queries([query])
        a_hits = await a.hybrid(query, query_vector, limit=10)
        b_hits = await b.hybrid(query, query_vector, limit=10)

        assert {h.document_id for h in a_hits} == {"doc-a"}
        assert {h.document_id for h in b_hits} == {"doc-b"}
        assert b_hits[0].text.startswith("Zwrot towaru")  # the returns paragraph ranks first
        assert await a.count() == 1 and await b.count() == 2
        # Deleting "doc-b" through A's handle touches nothing of B's.
        assert await a.delete_document("doc-b") == 0
        assert await b.count() == 2


class TestLlmCacheSalt:
    def test_salt_differs_per_tenant_and_is_stable(self, alfa, beta):
        assert llm_cache_salt(alfa, "k") == llm_cache_salt(str(alfa), "k")
        assert llm_cache_salt(alfa, "k") != llm_cache_salt(beta, "k")

    def test_salt_depends_on_the_secret(self, alfa):
        assert llm_cache_salt(alfa, "k1") != llm_cache_salt(alfa, "k2")
