"""Polled Allegro question → approved reply → replies' delivery → exactly one post, even after a crash."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

import shared.channels.allegro.sender  # noqa: F401 - registers the Allegro sender, as the worker does
from shared.channels.allegro.sync import sync_allegro
from shared.conversations import delivery
from shared.conversations.replies import create_ai_reply
from shared.conversations.tables import Message
from shared.tenancy.db import tenant_tx
from tests.channels.conftest import connect

pytestmark = pytest.mark.integration


async def customer_message_id(tenant, platform_message_id: str):
    async with tenant_tx(tenant):
        row = await Message.select(Message.id).where(Message.platform_message_id == platform_message_id).first()
    return row["id"]


async def reply_row(tenant, reply_id) -> dict:
    async with tenant_tx(tenant):
        return await Message.select().where(Message.id == reply_id).first()


async def test_approved_reply_reaches_allegro_exactly_once_even_if_the_worker_dies_mid_way(allegro):
    tenant, account_id = await connect(allegro, "allegro", "deliver", "allegro-deliver")
    question = allegro.add_message("t-9", "Czy mogę odebrać osobiście?", datetime.now(timezone.utc) - timedelta(minutes=3))
    await sync_allegro(tenant, account_id)
    reply = await create_ai_reply(tenant, await customer_message_id(tenant, question),
                                  "Tak, zapraszamy do sklepu w Krakowie.", approved=True)

    assert await delivery.deliver(tenant, reply.id) == "sent"
    assert await delivery.deliver(tenant, reply.id) == "nothing to do"  # a redelivered job
    assert [(p.path, p.text) for p in allegro.posted] == [("/messaging/threads/t-9/messages", reply.content)]
    row = await reply_row(tenant, reply.id)
    assert row["status"] == "sent" and row["platform_message_id"] == allegro.visible_messages("t-9")[-1].id

    # The worker dies after Allegro accepted the post but before the row says "sent".
    second = allegro.add_message("t-9", "A w sobotę?", datetime.now(timezone.utc) - timedelta(seconds=30))
    await sync_allegro(tenant, account_id)
    follow_up = await create_ai_reply(tenant, await customer_message_id(tenant, second), "W soboty do 14:00.",
                                      approved=True)

    async def crash(*args, **kwargs):
        raise RuntimeError("worker killed")

    with pytest.MonkeyPatch.context() as patch, pytest.raises(RuntimeError):
        patch.setattr(delivery, "_record_sent", crash)
        await delivery.deliver(tenant, follow_up.id)
    assert (await reply_row(tenant, follow_up.id))["status"] == "sending"

    assert await delivery.deliver(tenant, follow_up.id) == "sent (reconciled)"
    assert [p.text for p in allegro.posted] == [reply.content, follow_up.content]  # never posted twice
