"""The document list pages with the same opaque cursor as the inbox (shared/http/cursors.py)."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta, timezone

import pytest

from shared.knowledge import service
from shared.knowledge.tables import KnowledgeDocument
from shared.tenancy.db import tenant_tx
from tests.tenancy.seed import seed_tenant


@pytest.fixture
async def seller_with_documents(db_pool):
    seller = await seed_tenant("pages")
    start = datetime(2026, 5, 1, tzinfo=timezone.utc)
    async with tenant_tx(seller.tenant_id):
        # Two share a timestamp: the id must break the tie, or a page boundary there repeats/loses one.
        for i, at in enumerate([start, start + timedelta(hours=1), start + timedelta(hours=1),
                                start + timedelta(hours=2), start + timedelta(hours=3)]):
            await KnowledgeDocument(tenant_id=seller.tenant_id, title=f"Dokument {i}", object_key=f"d/{i}",
                                    created_at=at).save()
    return seller


async def test_pages_walk_every_document_once_newest_first(seller_with_documents):
    tenant_id = seller_with_documents.tenant_id
    everything = (await service.list_documents(tenant_id, limit=100)).items
    seen, cursor, pages = [], None, 0
    while True:
        page = await service.list_documents(tenant_id, limit=2, cursor=cursor)
        seen += page.items
        pages += 1
        if page.next_cursor is None:
            break
        # Opaque: not a bare id a client could build itself.
        assert page.next_cursor not in {str(d.id) for d in everything}
        cursor = page.next_cursor
    assert [d.id for d in seen] == [d.id for d in everything] and len(seen) == 6 and pages == 3
    assert [d.created_at for d in seen] == sorted((d.created_at for d in seen), reverse=True)


async def test_a_cursor_still_works_after_its_document_is_deleted(seller_with_documents):
    tenant_id = seller_with_documents.tenant_id
    first = await service.list_documents(tenant_id, limit=2)
    async with tenant_tx(tenant_id):
        await KnowledgeDocument.delete().where(KnowledgeDocument.id == first.items[-1].id)
    rest = await service.list_documents(tenant_id, limit=100, cursor=first.next_cursor)
    assert len(rest.items) == 4 and not {d.id for d in rest.items} & {d.id for d in first.items}


@pytest.mark.parametrize("cursor", ["not-a-cursor", "e30", base64.urlsafe_b64encode(b'["2026-05-01T00:00:00", "x"]').decode()])
async def test_a_forged_cursor_is_a_clear_error(seller_with_documents, cursor):
    with pytest.raises(service.InvalidRequest, match="start again from the first page"):
        await service.list_documents(seller_with_documents.tenant_id, cursor=cursor)
