"""A customer message is stored once however many times it arrives, with its original timestamp."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from shared.channels.inbound import InboundMessage, record_inbound_message
from shared.conversations.tables import Conversation, Message
from shared.tenancy.db import tenant_tx
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


def message(ref: str, *, thread: str = "thread-1", sent_at: datetime | None = None) -> InboundMessage:
    return InboundMessage(platform="allegro", conversation_ref=thread, message_ref=ref,
                          text=f"Dzień dobry, pytanie {ref}", customer_name="kupujacy_123",
                          sent_at=sent_at or datetime.now(timezone.utc))


async def test_the_same_message_five_times_is_stored_once():
    seller = await seed_tenant("inbound-dup")
    results = await asyncio.gather(*(record_inbound_message(seller.tenant_id, message("m-1")) for _ in range(5)))
    assert sum(r.is_new for r in results) == 1
    assert len({r.message_id for r in results}) == 1
    async with tenant_tx(seller.tenant_id):
        assert await Message.count().where(Message.platform_message_id == "m-1") == 1


async def test_late_message_keeps_its_timestamp_and_does_not_move_the_thread_back():
    seller = await seed_tenant("inbound-late")
    now = datetime.now(timezone.utc)
    await record_inbound_message(seller.tenant_id, message("new", sent_at=now))
    late = await record_inbound_message(seller.tenant_id, message("old", sent_at=now - timedelta(days=3)))
    assert late.is_new
    async with tenant_tx(seller.tenant_id):
        stored = await Message.select(Message.sent_at).where(Message.id == late.message_id).first()
        conversation = await Conversation.select(Conversation.last_message_at).where(
            Conversation.id == late.conversation_id).first()
    assert stored["sent_at"] == now - timedelta(days=3)
    assert conversation["last_message_at"] == now


async def test_threads_are_per_tenant():
    alfa, beta = await seed_tenant("inbound-a"), await seed_tenant("inbound-b")
    a = await record_inbound_message(alfa.tenant_id, message("m-1", thread="same-thread-id"))
    b = await record_inbound_message(beta.tenant_id, message("m-1", thread="same-thread-id"))
    assert a.is_new and b.is_new and a.conversation_id != b.conversation_id
