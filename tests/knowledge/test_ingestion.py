"""Ingestion and retrieval end to end on real MinIO, Weaviate, Postgres, Redis and embeddings."""

from __future__ import annotations

import asyncio
import io
import uuid

import pytest

from shared.knowledge.ingestion import DocumentBusy, ingest_document
from shared.knowledge.retrieval import search
from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.tables import KnowledgeDocument
from shared.tenancy.db import tenant_tx
from tests.knowledge.documents import make_docx, make_pdf
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]

POLICY_PAGES = [
    "Regulamin sklepu Domowe Dobra.\n\nSklep prowadzi sprzedaż artykułów gospodarstwa domowego.",
    "Zwroty.\n\nKupujący może zwrócić towar bez podania przyczyny w ciągu {days} dni od otrzymania "
    "przesyłki. Koszt odesłania towaru pokrywa kupujący. Pieniądze zwracamy w ciągu 5 dni roboczych.",
    "Wysyłka.\n\nZamówienia złożone do godziny 13:00 wysyłamy tego samego dnia kurierem InPost lub DPD.",
    "Gwarancja.\n\nNa czajniki i tostery udzielamy 24 miesięcy gwarancji producenta.",
]


@pytest.fixture
async def stores():
    opened = await KnowledgeStores.open()
    yield opened
    await opened.close()


async def add_document(stores, tenant_id, data: bytes, filename: str) -> uuid.UUID:
    document_id = uuid.uuid4()
    key = f"documents/{document_id}/{filename}"
    await stores.objects(tenant_id).put(key, io.BytesIO(data), length=len(data))
    async with tenant_tx(tenant_id):
        await KnowledgeDocument.insert(KnowledgeDocument(
            id=document_id, tenant_id=tenant_id, title=filename, filename=filename,
            object_key=key, size_bytes=len(data)))
    return document_id


async def document_row(tenant_id, document_id):
    async with tenant_tx(tenant_id):
        return await KnowledgeDocument.select().where(KnowledgeDocument.id == document_id).first()


async def test_polish_question_finds_the_returns_paragraph(stores):
    seller = await seed_tenant("kb-seller")
    pdf = make_pdf([p.format(days=14) for p in POLICY_PAGES])
    document_id = await add_document(stores, seller.tenant_id, pdf, "regulamin.pdf")
    progress: list[tuple[int, int]] = []

    assert await ingest_document(stores, seller.tenant_id, document_id,
                                 on_progress=lambda d, t: progress.append((d, t))) == "ready"
    row = await document_row(seller.tenant_id, document_id)
    assert (row["status"], row["progress_percent"], row["content_type"]) == ("ready", 100, "application/pdf")
    assert row["chunk_count"] == 4 and progress[-1] == (4, 4)

    hits = await search(stores, seller.tenant_id, "W ile dni mogę oddać towar?", k=3)
    assert "14 dni" in hits[0].text and hits[0].page == 2
    assert hits[0].document_id == str(document_id) and hits[0].document_title == "regulamin.pdf"


async def test_reingestion_replaces_chunks_and_other_tenants_see_nothing(stores):
    seller, other = await seed_tenant("kb-reingest"), await seed_tenant("kb-other")
    document_id = await add_document(stores, seller.tenant_id,
                                     make_pdf([p.format(days=14) for p in POLICY_PAGES]), "regulamin.pdf")
    await ingest_document(stores, seller.tenant_id, document_id)
    updated = make_pdf([p.format(days=30) for p in POLICY_PAGES])
    key = (await document_row(seller.tenant_id, document_id))["object_key"]
    await stores.objects(seller.tenant_id).put(key, io.BytesIO(updated), length=len(updated))

    assert await ingest_document(stores, seller.tenant_id, document_id) == "ready"
    texts = [h.text for h in await search(stores, seller.tenant_id, "zwrot towaru ile dni", k=10)]
    assert any("30 dni" in t for t in texts) and not any("14 dni" in t for t in texts)
    assert await stores.vectors(seller.tenant_id).count() == 4  # old generation deleted
    assert await search(stores, other.tenant_id, "zwrot towaru ile dni", k=10) == []


async def test_a_bad_file_fails_with_a_reason_and_leaves_no_chunks(stores):
    seller = await seed_tenant("kb-bad")
    good = await add_document(stores, seller.tenant_id,
                              make_docx([("Zwroty", ["Zwroty w 14 dni."])]), "zwroty.docx")
    bad = await add_document(stores, seller.tenant_id, b"%PDF-1.4 obviously broken", "zepsuty.pdf")

    assert await ingest_document(stores, seller.tenant_id, bad) == "failed"
    assert await ingest_document(stores, seller.tenant_id, good) == "ready"  # one bad file stops nothing
    row = await document_row(seller.tenant_id, bad)
    assert (row["status"], row["error"]) == ("failed", "the PDF is damaged or unreadable")
    assert await stores.vectors(seller.tenant_id).count() == 1


async def test_concurrent_ingestion_of_one_document_is_refused(stores):
    seller = await seed_tenant("kb-busy")
    document_id = await add_document(stores, seller.tenant_id,
                                     make_pdf([p.format(days=14) for p in POLICY_PAGES]), "r.pdf")
    results = await asyncio.gather(
        ingest_document(stores, seller.tenant_id, document_id),
        ingest_document(stores, seller.tenant_id, document_id),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["DocumentBusy", "str"]
    assert await stores.vectors(seller.tenant_id).count() == 4


async def test_deleted_document_is_not_ingested(stores):
    seller = await seed_tenant("kb-gone")
    assert await ingest_document(stores, seller.tenant_id, uuid.uuid4()) == "deleted"
