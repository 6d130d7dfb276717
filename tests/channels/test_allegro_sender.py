"""Replies to Allegro reach the thread exactly once, 1 post/s per account, and are found after a crash."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from shared.channels.allegro.sender import AllegroSender
from shared.channels.registry import sender_for
from shared.channels.senders import OutboundReply, PermanentDeliveryError, TransientDeliveryError
from tests.channels.conftest import connect

pytestmark = pytest.mark.integration


def reply(tenant, account_id, thread: str, text: str, *, claimed_at: datetime | None = None) -> OutboundReply:
    return OutboundReply(tenant_id=tenant, message_id=uuid.uuid4(), conversation_id=uuid.uuid4(),
                         channel_account_id=account_id, platform="allegro", platform_conversation_id=thread,
                         text=text, idempotency_key=uuid.uuid4().hex,
                         claimed_at=claimed_at or datetime.now(timezone.utc))


async def test_reply_is_posted_once_and_reconciliation_finds_it(allegro):
    tenant, account_id = await connect(allegro, "allegro", "send", "allegro-send")
    allegro.add_message("t-1", "Czy wysyłacie do Niemiec?", datetime.now(timezone.utc) - timedelta(minutes=3))
    sender = sender_for("allegro")
    answer = reply(tenant, account_id, "t-1", "Tak, wysyłamy do Niemiec w 3 dni robocze.")

    receipt = await sender.send(answer)
    assert [(p.path, p.text) for p in allegro.posted] == [("/messaging/threads/t-1/messages", answer.text)]
    # A worker that died after the POST finds the reply instead of sending it again.
    found = await sender.find_delivered(answer)
    assert found is not None and found.platform_message_id == receipt.platform_message_id
    unsent = reply(tenant, account_id, "t-1", "Inna odpowiedź, nigdy nie wysłana")
    assert await sender.find_delivered(unsent) is None
    assert len(allegro.posted) == 1


async def test_two_replies_on_one_account_respect_one_post_per_second(allegro):
    tenant, account_id = await connect(allegro, "allegro", "pace", "allegro-pace")
    for thread in ("t-1", "t-2"):
        allegro.add_message(thread, "Pytanie", datetime.now(timezone.utc) - timedelta(minutes=1))
    sender = AllegroSender()
    await sender.send(reply(tenant, account_id, "t-1", "Odpowiedź 1"))
    await sender.send(reply(tenant, account_id, "t-2", "Odpowiedź 2"))
    assert len(allegro.posted) == 2 and allegro.posted[1].at - allegro.posted[0].at >= 0.95
    assert allegro.requests_to("POST", "/messages$") == 2  # paced by us, never refused by Allegro


async def test_429_is_waited_out_and_5xx_is_left_to_reconciliation(allegro):
    tenant, account_id = await connect(allegro, "allegro", "send429", "allegro-send429")
    allegro.add_message("t-1", "Pytanie", datetime.now(timezone.utc) - timedelta(minutes=1))
    sender = AllegroSender()
    allegro.fail("/messages$", 429, method="POST", headers={"retry-after": "0.3"},
                 body={"errors": [{"code": "TooManyRequestsException", "message": "Too many requests"}]})
    await sender.send(reply(tenant, account_id, "t-1", "Po limicie"))
    assert [p.text for p in allegro.posted] == ["Po limicie"]

    allegro.fail("/messages$", 502, method="POST", raw=b"Bad Gateway")
    with pytest.raises(TransientDeliveryError):
        await sender.send(reply(tenant, account_id, "t-1", "Po awarii"))
    assert allegro.requests_to("POST", "/messages$") == 3  # the 502 was not retried blindly
    assert [p.text for p in allegro.posted] == ["Po limicie"]


async def test_purchase_issue_reply_and_refusals(allegro):
    tenant, account_id = await connect(allegro, "allegro", "issue-send", "allegro-issue-send")
    allegro.add_issue_message("iss-9", "Gdzie zwrot pieniędzy?", datetime.now(timezone.utc) - timedelta(hours=1))
    sender = AllegroSender()
    await sender.send(reply(tenant, account_id, "issue:iss-9", "Zwrot wysłaliśmy wczoraj."))
    assert [p.path for p in allegro.posted] == ["/sale/issues/iss-9/message"]
    assert await sender.find_delivered(reply(tenant, account_id, "issue:iss-9", "Zwrot wysłaliśmy wczoraj.",
                                             claimed_at=datetime.now(timezone.utc) - timedelta(seconds=5)))

    with pytest.raises(PermanentDeliveryError, match="Wątek nie istnieje"):
        await sender.send(reply(tenant, account_id, "no-such-thread", "x"))
    allegro.tokens.revoke(allegro.seller_id)
    with pytest.raises(PermanentDeliveryError, match="Connect the account again"):
        await sender.send(reply(tenant, account_id, "issue:iss-9", "y"))
    with pytest.raises(PermanentDeliveryError, match="not connected"):
        await sender.send(reply(tenant, account_id, "issue:iss-9", "z"))
