"""Robots are not customers (RFC 3834, RFC 3464): out-of-office replies, bounces, newsletters,
marketplace notices and our own mail coming back are recorded for the seller and handed to a person —
never given to the AI, never in the customer's conversation. Before, each became a customer message
with an AI job (a reply drafted or, on autopilot, sent to a robot)."""

from __future__ import annotations

import json
from pathlib import Path

import msgspec
import pytest

from shared.channels.inbound import CUSTOMER_MESSAGE_ACTOR
from shared.conversations.tables import Conversation, HandoffLog, Message
from shared.inbox.automatic_mail import classify
from shared.inbox.email_parsing import parse_email
from shared.inbox.processing import process_event
from shared.inbox.tables import InboxEvent
from shared.outbox.tables import OutboxJob
from shared.tenancy.db import tenant_tx
from tests.tenancy.seed import seed_tenant
from tests.webhooks.mails import first_mail
from tests.webhooks.support import add_channel

MAILS = Path(__file__).parent / "mails"
OWN = "sklep@example.pl"
ROBOTS = {  # fixture → (kind, what gave it away)
    "exchange_out_of_office": ("auto_reply", "Auto-Submitted: auto-generated"),
    "gmail_vacation": ("auto_reply", "Auto-Submitted: auto-replied"),
    "postfix_bounce": ("bounce", "Content-Type: multipart/report; report-type=delivery-status"),
    "newsletter": ("bulk", "List-Unsubscribe: <https://hurtownia-xyz.pl/newsletter/wypisz?u=8f3a2c91>"),
    "emag_notification": ("marketplace", "From: marketplace@emag.ro"),
    "own_address": ("own_address", f"From: {OWN}"),
}


def mail(name: str) -> bytes:
    return (MAILS / f"{name}.eml").read_bytes()


# --- what counts as automatic (pure) -------------------------------------------------------------

@pytest.mark.parametrize("name", list(ROBOTS))
def test_each_robot_is_recognised_by_its_strongest_signal(name):
    kind, signal = ROBOTS[name]
    found = classify(parse_email(mail(name)), OWN)
    assert found is not None and found.kind == kind and found.signal.startswith(signal)


def test_a_customer_relayed_by_the_shops_own_google_group_is_a_customer():
    # Google Groups adds List-Id, Precedence: list and List-Unsubscribe to every customer's mail, and
    # rewrites From to the group's address (the customer stays in Reply-To).
    email = parse_email(mail("customer_via_google_group"))
    assert email.automation_headers["list-id"] == "<sklep.example.pl>"
    assert classify(email, OWN) is None
    assert classify(email, "kontakt@inny-sklep.pl").kind == "bulk"  # someone else's list is a list


@pytest.mark.parametrize("headers, kind", [
    ({"auto-submitted": "no"}, None),
    ({"auto-submitted": "auto-notified"}, "auto_reply"),
    ({"x-autoreply": "yes"}, "auto_reply"),
    ({"x-autorespond": "Out of office"}, "auto_reply"),
    ({"x-auto-response-suppress": "All"}, "auto_reply"),  # Exchange's out-of-office without Auto-Submitted
    ({"precedence": "auto_reply"}, "auto_reply"),
    ({"precedence": "junk"}, "bulk"),
    ({"list-id": "Promocje <promo.hurtownia.pl>"}, "bulk"),
    ({"x-failed-recipients": "jan@poczta.pl"}, "bounce"),
    ({"return-path": "<>"}, "auto_reply"),
])
def test_header_signals(headers, kind):
    email = parse_email(first_mail().replace(b"marketplace.amazon.pl", b"poczta.pl"))
    found = classify(msgspec.structs.replace(email, automation_headers=headers), OWN)
    assert (found.kind if found else None) == kind


@pytest.mark.parametrize("sender, kind", [
    ("no-reply@allegro.pl", "no_reply"), ("noreply.faktury@ksiegowosc.pl", "no_reply"),
    ("nie-odpowiadaj@inpost.pl", "no_reply"), ("do_not_reply@dhl.com", "no_reply"),
    ("postmaster@poczta.pl", "bounce"), ("mailer-daemon@googlemail.com", "bounce"),
    ("powiadomienia@sales.emag.hu", "marketplace"), ("Sklep@Example.pl", "own_address"),
    ("jan.noreplyer@poczta.pl", None), ("anna@emag-fan.ro", None),
])
def test_sender_signals(sender, kind):
    email = parse_email(first_mail().replace(b"anna-xyz@marketplace.amazon.pl", sender.encode()))
    found = classify(email, OWN)
    assert (found.kind if found else None) == kind


@pytest.mark.parametrize("subject, kind", [
    ("Automatic reply: Zamówienie 12", "auto_reply"), ("Odpowiedź automatyczna: Re: faktura", "auto_reply"),
    ("Undeliverable: Re: Czy jest rozmiar 42?", "bounce"), ("Pytanie o automatic reply w ofercie", None),
])
def test_subjects_count_only_without_any_header(subject, kind):
    email = msgspec.structs.replace(parse_email(first_mail()), subject=subject, from_address="jan@poczta.pl",
                                    reply_to=None)
    found = classify(email, OWN)
    assert (found.kind if found else None) == kind


def test_an_amazon_buyer_relay_is_not_a_mailing_list():
    email = parse_email(first_mail())
    found = classify(msgspec.structs.replace(email, automation_headers={"precedence": "bulk"}), OWN)
    assert found is None


# --- recorded, handed to a person, never to the AI ----------------------------------------------

@pytest.fixture
async def mailbox(db_pool):
    seller = await seed_tenant("robots")
    account = await add_channel(seller.tenant_id, "email", {"inboundToken": "t"}, {"fromAddress": OWN})
    return seller.tenant_id, account


async def receive(tenant_id, account, raw: bytes, *, delivery: str = "") -> str:
    """The webhook's parse and store, then the inbox actor; the mail's Message-ID."""
    email = parse_email(raw)
    event = InboxEvent(tenant_id=tenant_id, source=f"email:{account}", external_id=email.message_id + delivery,
                       event_type="email.received", payload=msgspec.to_builtins(email))
    async with tenant_tx(tenant_id):
        await event.save()
    assert await process_event(str(tenant_id), str(event.id)) == "processed"
    return email.message_id


async def recorded(tenant_id, message_id: str) -> tuple[dict, dict, int, list]:
    """(message, its conversation, AI jobs staged for it, its handoffs)."""
    async with tenant_tx(tenant_id):
        message = await Message.select().where(Message.platform_message_id == message_id).first()
        conversation = await Conversation.select().where(Conversation.id == message["conversation_id"]).first()
        jobs = await OutboxJob.select(OutboxJob.args).where(OutboxJob.actor_name == CUSTOMER_MESSAGE_ACTOR[1])
        handoffs = await HandoffLog.select(HandoffLog.reason).where(HandoffLog.message_id == message["id"])
    ai_jobs = sum(str(message["id"]) in json.loads(job["args"]) for job in jobs)
    return message, conversation, ai_jobs, [h["reason"] for h in handoffs]


@pytest.mark.integration
@pytest.mark.parametrize("name", list(ROBOTS))
async def test_robot_mail_is_recorded_for_a_person_and_starts_no_ai_reply(mailbox, name):
    tenant_id, account = mailbox
    message_id = await receive(tenant_id, account, mail(name))
    message, conversation, ai_jobs, handoffs = await recorded(tenant_id, message_id)
    assert ai_jobs == 0
    assert (conversation["status"], conversation["handoff_reason"]) == ("waiting_for_human", "automatic_mail")
    assert handoffs == ["automatic_mail"]
    assert conversation["platform"] == "email" and conversation["platform_conversation_id"].startswith("automatic:")
    assert json.loads(message["meta"])["automatic"]["kind"] == ROBOTS[name][0]
    assert message["content"]  # the seller can read what the robot said
    # The same mail delivered again (another inbox event) changes nothing and still starts no AI reply.
    await receive(tenant_id, account, mail(name), delivery="#again")
    assert (await recorded(tenant_id, message_id))[2:] == (0, ["automatic_mail"])


@pytest.mark.integration
async def test_replies_to_our_reply_stay_out_of_the_customers_conversation(mailbox):
    tenant_id, account = mailbox
    raw = (f"From: Jan <jan.kowalski.1987@gmail.com>\r\nTo: {OWN}\r\nSubject: Pytanie o rozmiar butów\r\n"
           "Message-ID: <q77@gmail.com>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
           "Czy są w rozmiarze 44?\r\n").encode()
    question = await receive(tenant_id, account, raw)
    _, customer, ai_jobs, _ = await recorded(tenant_id, question)
    assert ai_jobs == 1 and customer["platform_conversation_id"] == "<q77@gmail.com>"
    async with tenant_tx(tenant_id):
        for our_reply in ("<reply.0c9e4a7d21f84b6e@example.pl>", "<reply.5e0f3b9a7c1d4e2f@example.pl>"):
            await Message.insert(Message(tenant_id=tenant_id, conversation_id=customer["id"], direction="outbound",
                                         sender_type="bot", content="Tak, są.", status="sent",
                                         platform_message_id=our_reply))

    vacation = await receive(tenant_id, account, mail("gmail_vacation"))
    # The bounce names our reply only inside the original it returns (no In-Reply-To).
    bounce = await receive(tenant_id, account, mail("postfix_bounce"))

    [(_, beside, _, _), (_, beside_too, _, _)] = [await recorded(tenant_id, m) for m in (vacation, bounce)]
    assert beside["id"] == beside_too["id"] != customer["id"]
    assert beside["platform_conversation_id"] == "automatic:<q77@gmail.com>"
    async with tenant_tx(tenant_id):
        in_customer = await Message.select(Message.platform_message_id).where(
            (Message.conversation_id == customer["id"]) & (Message.direction == "inbound"))
        status = await Conversation.select(Conversation.status).where(Conversation.id == customer["id"]).first()
    assert [m["platform_message_id"] for m in in_customer] == [question] and status["status"] == "open"

    # A person answering in that thread (here: quoting the bounce) is back in the customer's conversation.
    again = raw.replace(b"Message-ID: <q77@gmail.com>", b"Message-ID: <q78@gmail.com>\r\nIn-Reply-To: "
                        + bounce.encode() + b"\r\nReferences: " + bounce.encode())
    _, conversation, ai_jobs, _ = await recorded(tenant_id, await receive(tenant_id, account, again))
    assert ai_jobs == 1 and conversation["id"] == customer["id"]


@pytest.mark.integration
async def test_a_customer_through_the_shops_google_group_still_gets_the_ai(mailbox):
    tenant_id, account = mailbox
    message_id = await receive(tenant_id, account, mail("customer_via_google_group"))
    message, conversation, ai_jobs, handoffs = await recorded(tenant_id, message_id)
    assert ai_jobs == 1 and handoffs == [] and "automatic" not in json.loads(message["meta"])
    assert conversation["platform_conversation_id"] == message_id
