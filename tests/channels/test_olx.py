"""OLX: changed threads are polled once per message, replies land in the thread, tokens rotate."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from shared.channels.connection import load_connection
from shared.channels.olx.sync import sync_olx
from shared.channels.registry import sender_for
from shared.channels.senders import OutboundReply
from shared.conversations.tables import Message
from shared.tenancy.db import tenant_tx
from tests.channels.conftest import connect

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)


async def polled(tenant, account_id) -> set[str]:
    async with tenant_tx(tenant):
        rows = await Message.select(Message.platform_message_id).where(
            Message.conversation_id.channel_account_id == account_id)
    return {row["platform_message_id"] for row in rows}


async def test_poll_then_reply_exactly_once(olx):
    import shared.channels.olx.sender  # noqa: F401 - registers the sender

    tenant, account_id = await connect(olx, "olx", "olx-poll", "olx-778899")
    first = olx.add_message(1, "Czy rower jest jeszcze dostępny?", NOW - timedelta(hours=1))
    olx.add_message(1, "Tak, jest.", NOW - timedelta(minutes=50), received=False)
    old = olx.add_message(2, "Stara wiadomość sprzed miesiąca", NOW - timedelta(days=30))
    assert (await sync_olx(tenant, account_id)).new_messages == 1
    assert await polled(tenant, account_id) == {first}

    second = olx.add_message(1, "A można odebrać osobiście?", NOW - timedelta(minutes=2))
    report = await sync_olx(tenant, account_id)
    assert report.threads == 1 and report.new_messages == 1  # only the thread whose count changed
    assert await polled(tenant, account_id) == {first, second} and old not in await polled(tenant, account_id)
    assert (await sync_olx(tenant, account_id)).threads == 0

    reply = OutboundReply(tenant_id=tenant, message_id=uuid.uuid4(), conversation_id=uuid.uuid4(),
                          channel_account_id=account_id, platform="olx", platform_conversation_id="1",
                          text="Tak, odbiór osobisty w Krakowie.", idempotency_key=uuid.uuid4().hex,
                          claimed_at=datetime.now(timezone.utc))
    sender = sender_for("olx")
    await sender.send(reply)
    assert [(t, text) for t, text, _ in olx.posted] == [(1, reply.text)]
    assert await sender.find_delivered(reply) is not None  # a crashed retry would not send again
    assert olx.requests_to("POST", "/messages$") == 1
    assert (await sync_olx(tenant, account_id)).new_messages == 0  # our own reply is not a customer message


async def test_olx_refresh_rotates_and_garbage_is_not_fatal(olx):
    tenant, account_id = await connect(olx, "olx", "olx-rotate", "olx-rotate")
    olx.add_message(7, "Pytanie", NOW - timedelta(minutes=5))
    before = (await load_connection(tenant, account_id)).credentials
    olx.tokens.expire_access_tokens()
    olx.fail(r"/threads/7/messages$", 500, times=1, raw=b"oops")
    assert (await sync_olx(tenant, account_id)).new_messages == 1
    after = (await load_connection(tenant, account_id)).credentials
    assert after["refreshToken"] != before["refreshToken"] and before["refreshToken"] in olx.tokens.spent_refresh


async def test_olx_requires_the_version_header(olx):
    import httpx2

    async with httpx2.AsyncClient(base_url=olx.base_url) as client:
        token = olx.connect_seller()["access_token"]
        response = await client.get("/api/partner/threads", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.json()["error"]["title"] == "Invalid version"
