"""The inbox actor's bookkeeping: a malformed stored payload ends 'failed' and blocks nothing else."""

from __future__ import annotations

import uuid

import pytest

from shared.inbox.processing import process_event
from shared.inbox.tables import InboxEvent
from shared.tenancy.db import tenant_tx
from tests.tenancy.seed import seed_tenant
from tests.webhooks.support import add_channel

pytestmark = pytest.mark.integration


async def store(tenant_id, event_type: str, payload: dict) -> uuid.UUID:
    account = await add_channel(tenant_id, "generic", {"webhookSecret": "s"})
    event = InboxEvent(tenant_id=tenant_id, source=f"generic:{account}", external_id=uuid.uuid4().hex,
                       event_type=event_type, payload=payload)
    async with tenant_tx(tenant_id):
        await event.save()
    return event.id


async def test_malformed_payload_fails_and_the_next_event_still_processes(db_pool):
    seller = await seed_tenant("inbox")
    broken = await store(seller.tenant_id, "message.created", {"messageId": 42})
    unknown = await store(seller.tenant_id, "something.else", {})
    good = await store(seller.tenant_id, "message.created", {
        "messageId": "ok-1", "conversationId": "c-1", "text": "Czy jest na stanie?",
        "sentAt": "2026-11-20T10:00:00Z"})
    results = [await process_event(str(seller.tenant_id), str(e)) for e in (broken, unknown, good)]
    assert results == ["failed", "failed", "processed"]
    async with tenant_tx(seller.tenant_id):
        rows = {r["id"]: r for r in await InboxEvent.select().where(InboxEvent.id.is_in([broken, unknown, good]))}
    assert rows[broken]["attempts"] == 1 and "messageId" in rows[broken]["error"]
    assert "unknown inbox event type" in rows[unknown]["error"]
    assert rows[good]["status"] == "processed" and rows[good]["error"] is None


async def test_another_tenants_event_is_not_processed(db_pool):
    owner, stranger = await seed_tenant("inbox-a"), await seed_tenant("inbox-b")
    event = await store(owner.tenant_id, "something.else", {})
    assert await process_event(str(stranger.tenant_id), str(event)) == "processed"  # nothing visible: no-op
    async with tenant_tx(owner.tenant_id):
        row = await InboxEvent.select().where(InboxEvent.id == event).first()
    assert (row["status"], row["attempts"]) == ("received", 0)
