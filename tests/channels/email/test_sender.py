"""SMTP replies: same thread, seller's address, deterministic Message-ID; failures classified; no reconciliation."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from shared.channels.email import EMAIL_META_KEY
from shared.channels.email.sender import SmtpSender, reply_message_id, self_test_message
from shared.channels.registry import sender_for
from shared.channels.senders import DeliveryUnknown, OutboundReply, PermanentDeliveryError, TransientDeliveryError
from shared.conversations.tables import Conversation, Message
from shared.tenancy.db import tenant_tx
from tests.fakes.smtp_peer import running_smtp_peer
from tests.tenancy.seed import seed_tenant
from tests.webhooks.support import add_channel

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def loopback_smtp_allowed(monkeypatch):
    # The SMTP fake listens on loopback at a random port, which production refuses (see below).
    monkeypatch.setenv("EMAIL_CHANNEL_ALLOW_PRIVATE_SMTP_HOSTS", "true")


async def email_channel(tenant_id, peer, password=None):
    return await add_channel(tenant_id, "email", {"smtpPassword": password or peer.password, "inboundToken": "t"}, {
        "fromAddress": "sklep@example.pl", "fromName": "Sklep Domowe Dobra", "smtpHost": peer.host,
        "smtpPort": peer.port, "smtpSecurity": "none", "smtpUsername": peer.username})


def reply_to_customer(tenant_id, account_id, key="reply-key-1") -> OutboundReply:
    return OutboundReply(
        tenant_id=tenant_id, message_id=uuid.uuid4(), conversation_id=uuid.uuid4(),
        channel_account_id=account_id, platform="email", platform_conversation_id="<root@mail.pl>",
        text="Dzień dobry, paczka wyjdzie jutro. Pozdrawiamy, zespół sklepu", idempotency_key=key,
        claimed_at=datetime.now(timezone.utc), in_reply_to_platform_message_id="<second@mail.pl>",
        in_reply_to_meta={EMAIL_META_KEY: {"messageId": "<second@mail.pl>", "references": ["<root@mail.pl>"],
                                           "from": "kupujacy@mail.pl", "subject": "Zamówienie 1234"}})


async def test_reply_goes_out_in_the_customers_thread_from_the_sellers_address(db_pool):
    seller = await seed_tenant("smtp")
    with running_smtp_peer() as peer:
        account = await email_channel(seller.tenant_id, peer)
        reply = reply_to_customer(seller.tenant_id, account)
        receipt = await sender_for("email").send(reply)
    [mail] = peer.received
    assert mail.login == peer.username and mail.recipients == ["kupujacy@mail.pl"]
    message = mail.message
    assert message["From"] == "Sklep Domowe Dobra <sklep@example.pl>"
    assert message["Subject"] == "Re: Zamówienie 1234"
    assert message["In-Reply-To"] == "<second@mail.pl>"
    assert message["References"] == "<root@mail.pl> <second@mail.pl>"
    assert message["Message-ID"] == receipt.platform_message_id == reply_message_id("reply-key-1", "sklep@example.pl")
    assert message.get_content().strip().startswith("Dzień dobry, paczka")


async def test_retry_of_the_same_reply_keeps_its_message_id(db_pool):
    seller = await seed_tenant("smtp-retry")
    with running_smtp_peer() as peer:
        account = await email_channel(seller.tenant_id, peer)
        first = await SmtpSender().send(reply_to_customer(seller.tenant_id, account))
        second = await SmtpSender().send(reply_to_customer(seller.tenant_id, account))
        other = await SmtpSender().send(reply_to_customer(seller.tenant_id, account, key="reply-key-2"))
    assert first.platform_message_id == second.platform_message_id != other.platform_message_id


async def stored_reply(reply: OutboundReply, sender_type: str, meta: dict) -> None:
    """The reply's own row, as the delivery layer leaves it: who wrote it, who approved it."""
    async with tenant_tx(reply.tenant_id):
        conversation = Conversation(id=reply.conversation_id, tenant_id=reply.tenant_id, platform="email",
                                    channel_account_id=reply.channel_account_id,
                                    platform_conversation_id=f"<{reply.idempotency_key}@mail.pl>")
        await conversation.save()
        await Message.insert(Message(id=reply.message_id, tenant_id=reply.tenant_id, conversation_id=conversation.id,
                                     direction="outbound", sender_type=sender_type, content=reply.text,
                                     status="sending", meta=meta))


async def test_autopilot_replies_are_marked_automatic_and_a_persons_replies_are_not(db_pool):
    # RFC 3834 §5: a customer's out-of-office must not answer our autopilot (two robots would loop);
    # a reply a person wrote or approved is the seller's own mail and is not marked.
    seller = await seed_tenant("smtp-auto")
    with running_smtp_peer() as peer:
        account = await email_channel(seller.tenant_id, peer)
        autopilot, approved, written = (reply_to_customer(seller.tenant_id, account, key=k) for k in "abc")
        await stored_reply(autopilot, "bot", {})
        await stored_reply(approved, "bot", {"approvedByUserId": str(seller.user_id)})
        await stored_reply(written, "agent", {})
        for reply in (autopilot, approved, written):
            await SmtpSender().send(reply)
    marks = [(m.message["Auto-Submitted"], m.message["X-Auto-Response-Suppress"]) for m in peer.received]
    assert marks == [("auto-replied", "OOF, AutoReply"), (None, None), (None, None)]


def test_the_channel_test_mail_is_marked_as_generated():
    message = self_test_message({"fromAddress": "sklep@example.pl"})
    assert message["Auto-Submitted"] == "auto-generated" and message["To"] == "sklep@example.pl"


async def test_failures_are_classified_and_reconciliation_is_impossible(db_pool):
    seller = await seed_tenant("smtp-fail")
    with running_smtp_peer() as peer:
        wrong_password = await email_channel(seller.tenant_id, peer, password="zle-haslo")
        with pytest.raises(PermanentDeliveryError, match="login"):
            await SmtpSender().send(reply_to_customer(seller.tenant_id, wrong_password))
        account = await email_channel(seller.tenant_id, peer)
        peer.temporary_failure = True
        with pytest.raises(TransientDeliveryError):
            await SmtpSender().send(reply_to_customer(seller.tenant_id, account))
    with pytest.raises(TransientDeliveryError):  # the server is gone
        await SmtpSender().send(reply_to_customer(seller.tenant_id, account))
    with pytest.raises(DeliveryUnknown):
        await SmtpSender().find_delivered(reply_to_customer(seller.tenant_id, account))
    assert peer.received == []


@pytest.mark.parametrize(("host", "port", "words"), [
    ("127.0.0.1", 587, "private network"),
    ("localhost", 587, "private network"),
    ("10.0.0.5", 25, "private network"),
    ("169.254.169.254", 587, "private network"),
    ("smtp.example.pl", 6379, "port 6379"),
])
async def test_smtp_hosts_on_our_network_or_odd_ports_are_refused(db_pool, monkeypatch, host, port, words):
    # Issue 12: a seller could point the sender at any host and port (Redis, the metadata service...).
    monkeypatch.setenv("EMAIL_CHANNEL_ALLOW_PRIVATE_SMTP_HOSTS", "false")
    seller = await seed_tenant("smtp-ssrf")
    account = await add_channel(seller.tenant_id, "email", {"smtpPassword": "x", "inboundToken": "t"}, {
        "fromAddress": "sklep@example.pl", "smtpHost": host, "smtpPort": port, "smtpSecurity": "none"})
    with pytest.raises(PermanentDeliveryError, match=words):
        await SmtpSender().send(reply_to_customer(seller.tenant_id, account))
