"""Inbound email: token-authenticated raw MIME, threaded into one conversation, quotes stripped."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.conversations.tables import Conversation, Message
from shared.inbox.processing import process_event
from shared.inbox.tables import InboxEvent
from shared.tenancy.db import tenant_tx
from tests.webhooks.mails import first_mail, legacy_charset_mail, reply_mail
from tests.webhooks.support import add_channel

pytestmark = pytest.mark.integration
TOKEN = "inbound-token-123"


@pytest.fixture
async def mailbox(seller):
    account = await add_channel(seller.tenant_id, "email", {"inboundToken": TOKEN})
    return seller.tenant_id, account


async def deliver(webhooks, tenant_id, account, raw: bytes, token: str = TOKEN):
    response = await webhooks.post(f"/email/{tenant_id}/{account}", content=raw,
                                   headers={"authorization": f"Bearer {token}", "content-type": "message/rfc822"})
    if response.status_code == 202 and not response.json()["duplicate"]:
        async with tenant_tx(tenant_id):
            event = await InboxEvent.select(InboxEvent.id).order_by(InboxEvent.received_at, ascending=False).first()
        assert await process_event(str(tenant_id), str(event["id"])) == "processed"
    return response


async def test_reply_lands_in_the_same_conversation_with_quotes_stripped(webhooks, mailbox):
    tenant_id, account = mailbox
    first = await deliver(webhooks, tenant_id, account, first_mail())
    again = await deliver(webhooks, tenant_id, account, first_mail())
    reply = await deliver(webhooks, tenant_id, account, reply_mail())
    assert (first.status_code, again.json()["duplicate"], reply.status_code) == (202, True, 202)

    async with tenant_tx(tenant_id):
        # From Amazon's buyer relay: an Amazon conversation, policed by Amazon's rules.
        conversations = await Conversation.select().where(Conversation.platform == "amazon")
        messages = await Message.select().order_by(Message.sent_at).where(
            Message.conversation_id == conversations[0]["id"])
    assert len(conversations) == 1 and conversations[0]["platform_conversation_id"] == "<q1@buyer.amazon.pl>"
    assert conversations[0]["subject"] == "Pytanie o zamówienie 1234"
    assert [m["content"] for m in messages] == ["Dzień dobry, kiedy wyślecie moją paczkę?",
                                                "Dziękuję, a czy mogę zmienić adres dostawy?"]
    assert json.loads(messages[0]["attachments"]) == [{"filename": "zdjecie.jpg", "contentType": "image/jpeg", "sizeBytes": 1000}]
    assert json.loads(messages[1]["meta"])["email"] == {
        "messageId": "<q2@buyer.amazon.pl>", "references": ["<q1@buyer.amazon.pl>"],
        "from": "anna-xyz@marketplace.amazon.pl", "replyTo": None, "subject": "Re: Pytanie o zamowienie 1234"}


async def test_reply_to_our_sent_reply_finds_the_thread(webhooks, mailbox):
    tenant_id, account = mailbox
    await deliver(webhooks, tenant_id, account, first_mail("<t1@buyer.pl>"))
    async with tenant_tx(tenant_id):
        conversation = await Conversation.select().where(Conversation.platform_conversation_id == "<t1@buyer.pl>").first()
        await Message.insert(Message(tenant_id=tenant_id, conversation_id=conversation["id"], direction="outbound",
                                     sender_type="agent", content="Wyślemy jutro.", status="sent",
                                     platform_message_id="<reply.abc@example.pl>"))
    # Some clients reference only the message they answer, not the whole chain.
    raw = reply_mail(parent="<reply.abc@example.pl>", message_id="<t3@buyer.pl>")
    await deliver(webhooks, tenant_id, account, raw)
    async with tenant_tx(tenant_id):
        stored = await Message.select(Message.conversation_id).where(Message.platform_message_id == "<t3@buyer.pl>").first()
    assert stored["conversation_id"] == conversation["id"]


@pytest.mark.parametrize("charset", ["iso-8859-2", "windows-1250"])
async def test_legacy_charsets_are_stored_as_proper_polish(webhooks, mailbox, charset):
    tenant_id, account = mailbox
    message_id = f"<{uuid.uuid4().hex}@firma.pl>"
    await deliver(webhooks, tenant_id, account, legacy_charset_mail(charset, "quoted-printable", message_id))
    async with tenant_tx(tenant_id):
        stored = await Message.select(Message.content).where(Message.platform_message_id == message_id).first()
        conversation = await Conversation.select(Conversation.platform).where(
            Conversation.platform_conversation_id == message_id).first()
    assert conversation["platform"] == "email"  # an ordinary customer's mail stays e-mail
    assert stored["content"] == "Zażółć gęślą jaźń - proszę o fakturę."


async def test_wrong_token_garbage_and_unknown_mailbox(webhooks, mailbox, seller):
    tenant_id, account = mailbox
    wrong = await webhooks.post(f"/email/{tenant_id}/{account}", content=first_mail(),
                                headers={"authorization": "Bearer nope"})
    missing = await webhooks.post(f"/email/{tenant_id}/{account}", content=first_mail())
    garbage = await webhooks.post(f"/email/{tenant_id}/{account}", content=b"\x00\x01 no mail",
                                  headers={"authorization": f"Bearer {TOKEN}"})
    unknown = await webhooks.post(f"/email/{tenant_id}/{uuid.uuid4()}", content=first_mail(),
                                  headers={"authorization": f"Bearer {TOKEN}"})
    assert [r.status_code for r in (wrong, missing, garbage, unknown)] == [401, 401, 400, 404]


async def test_a_mail_full_of_nul_characters_is_accepted_and_stored_without_them(webhooks, mailbox):
    tenant_id, account = mailbox
    raw = first_mail("<nul\x00@buyer.pl>").replace(b"Dzie\xc5\x84 dobry", b"Dzie\x00\xc5\x84 dobry")
    response = await deliver(webhooks, tenant_id, account, raw)
    assert response.status_code == 202, response.text
    async with tenant_tx(tenant_id):
        stored = await Message.select(Message.content).where(Message.platform_message_id == "<nul@buyer.pl>").first()
    assert stored["content"].startswith("Dzień dobry")
