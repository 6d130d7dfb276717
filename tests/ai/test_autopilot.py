"""The autopilot contract end to end: webhook/e-mail in → real worker → agent → delivery (or not).

A seller in autopilot mode: a clean shipping question is answered and delivered at once (the quiet
period is set far longer than the test waits, so only the "complete message" path can answer it);
a complaint without the word "reklamacja" is handed to a person and nothing is delivered; Amazon
relay mail is tagged `amazon`, an answer breaking Amazon's rules stays a draft, a clean one leaves
by SMTP to the buyer's alias.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest

from functions.webhooks.handler import app as webhooks_app
from shared.ai.config import update_ai_config
from shared.ai.schemas import AiConfigPatch
from shared.conversations.tables import Conversation, Message
from shared.inbox.tables import InboxEvent
from shared.knowledge.answers import CuratedAnswerIn, create_answer
from shared.knowledge.stores import KnowledgeStores
from shared.tenancy.db import tenant_tx
from tests.conversations.conftest import broker_namespace  # noqa: F401 - fixture
from tests.conversations.support import SECRET, generic_channel, wait_for
from tests.fakes.generic_receiver import served_receiver
from tests.fakes.smtp_peer import running_smtp_peer
from tests.support import post_signed, serve
from tests.tenancy.seed import seed_tenant
from tests.webhooks.support import add_channel

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
INBOUND_TOKEN = "amazon-forward-token-1"


@pytest.fixture(scope="module")
def worker(broker_namespace, tmp_path_factory):  # noqa: F811 - the imported fixture
    ready = tmp_path_factory.mktemp("autopilot") / "ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "4"], cwd=ROOT,
        env={**os.environ, "WORKER_READY_FILE": str(ready), "REDIS_BROKER_NAMESPACE": broker_namespace,
             # Far longer than any wait below: a reply that arrives was not debounced.
             "AI_QUIET_PERIOD_SECONDS": "600", "GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS": "true",
             "EMAIL_CHANNEL_ALLOW_PRIVATE_SMTP_HOSTS": "true"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 90
    while not ready.exists():
        assert process.poll() is None and time.monotonic() < deadline, "worker did not boot"
        time.sleep(0.2)
    yield process
    process.terminate()
    process.wait(timeout=60)


@pytest.fixture
async def webhooks():
    async with serve(webhooks_app, timeout=30) as client:
        yield client


@pytest.fixture
async def receiver():
    async with served_receiver(SECRET.encode()) as fake:
        yield fake


@pytest.fixture
async def stores():
    opened = await KnowledgeStores.open()
    yield opened
    await opened.close()


async def autopilot_seller(stores, label: str, answers: list[tuple[str, str]]):
    seller = await seed_tenant(label)
    await update_ai_config(seller.tenant_id, AiConfigPatch(autopilot_mode="auto"))
    for question, answer in answers:
        await create_answer(stores, seller.tenant_id, None, CuratedAnswerIn(question=question, answer=answer))
    return seller


async def shop_customer_writes(webhooks, tenant_id, account_id, text: str) -> str:
    conversation = uuid.uuid4().hex
    body = json.dumps({"messageId": uuid.uuid4().hex, "conversationId": conversation, "text": text,
                       "sentAt": datetime.now(timezone.utc).isoformat(), "customer": {"name": "Klient"}}).encode()
    response = await post_signed(webhooks, f"/channels/{tenant_id}/{account_id}/messages", body, SECRET)
    assert response.status_code == 202, response.text
    return conversation


async def conversation_state(tenant_id, platform_conversation_id: str) -> tuple[dict | None, list[dict]]:
    async with tenant_tx(tenant_id):
        conversation = await Conversation.select().where(
            Conversation.platform_conversation_id == platform_conversation_id).first()
        if conversation is None:
            return None, []
        messages = await Message.select().where(Message.conversation_id == conversation["id"]).order_by(Message.created_at)
    return conversation, messages


async def inbox_of(tenant_id) -> list:
    """What the seller's inbox holds, for a failure message."""
    async with tenant_tx(tenant_id):
        events = await InboxEvent.select(InboxEvent.event_type, InboxEvent.status, InboxEvent.error)
        conversations = await Conversation.select(Conversation.platform, Conversation.status,
                                                  Conversation.handoff_reason, Conversation.platform_conversation_id)
        messages = await Message.select(Message.direction, Message.status, Message.content)
    return [events, conversations, messages]


async def test_clean_question_is_sent_at_once_complaint_is_handed_off_and_never_sent(stores, worker, webhooks,
                                                                                     receiver):
    seller = await autopilot_seller(stores, "autopilot-shop", [
        ("Ile kosztuje wysyłka do paczkomatu?", "Wysyłka do Paczkomatu InPost kosztuje 12,99 zł, a od 200 zł jest gratis.")])
    account = await generic_channel(seller.tenant_id, receiver.url)

    question = await shop_customer_writes(webhooks, seller.tenant_id, account,
                                          "Dzień dobry, ile kosztuje wysyłka do paczkomatu?")
    complaint = await shop_customer_writes(webhooks, seller.tenant_id, account,
                                           "Włączyłem czajnik pierwszy raz i poszedł dym z podstawy, co teraz?")

    async def question_sent():
        _, messages = await conversation_state(seller.tenant_id, question)
        return [m for m in messages if m["direction"] == "outbound" and m["status"] == "sent"]
    [sent] = await wait_for(question_sent, timeout=120)
    assert sent["content"].startswith("Wysyłka do Paczkomatu InPost kosztuje 12,99 zł")

    async def complaint_handed_off():
        conversation, messages = await conversation_state(seller.tenant_id, complaint)
        return (conversation, messages) if conversation and conversation["status"] == "waiting_for_human" else None
    conversation, messages = await wait_for(complaint_handed_off, timeout=120)
    assert conversation["handoff_reason"] in ("defect", "complaint", "damaged_in_transit")
    assert [m["direction"] for m in messages] == ["inbound"]
    # The seller's endpoint got exactly the one clean answer, once.
    delivered = [c for c in receiver.calls if c.method == "POST" and c.accepted]
    assert len(delivered) == 1 and delivered[0].body["text"] == sent["content"]


def amazon_mail(message_id: str, text: str, alias: str = "7hq2k9xw@marketplace.amazon.pl") -> bytes:
    return (f"From: Kupujacy Amazon <{alias}>\r\nTo: sklep@example.pl\r\n"
            f"Subject: Pytanie od klienta Amazon (Zamowienie: 405-1234567-7654321)\r\n"
            f"Message-ID: {message_id}\r\nDate: Thu, 26 Nov 2026 10:15:00 +0100\r\n"
            "Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n").encode()


async def test_amazon_relay_mail_is_an_amazon_conversation_policed_by_amazon_rules(stores, worker, webhooks):
    seller = await autopilot_seller(stores, "autopilot-amazon", [
        ("Ile kosztuje wysyłka do paczkomatu?",
         "Wysyłka do Paczkomatu kosztuje 12,99 zł. Szczegóły: https://domowe-dobra.pl/dostawa"),
        ("Czy wystawiacie faktury VAT?", "Tak, fakturę VAT wystawiamy do każdego zamówienia."),
    ])
    with running_smtp_peer() as peer:
        account = await add_channel(seller.tenant_id, "email", {"smtpPassword": peer.password,
                                                                "inboundToken": INBOUND_TOKEN}, {
            "fromAddress": "sklep@example.pl", "fromName": "Domowe Dobra", "smtpHost": peer.host,
            "smtpPort": peer.port, "smtpSecurity": "none", "smtpUsername": peer.username})

        async def post(raw: bytes) -> None:
            response = await webhooks.post(f"/email/{seller.tenant_id}/{account}", content=raw, headers={
                "authorization": f"Bearer {INBOUND_TOKEN}", "content-type": "message/rfc822"})
            assert response.status_code == 202, response.text

        await post(amazon_mail("<a1@amazon.example>", "Dzień dobry, ile kosztuje wysyłka do paczkomatu?"))
        await post(amazon_mail("<a2@amazon.example>", "Czy wystawiacie faktury VAT na firmę?",
                               alias="c3kd81@marketplace.amazon.pl"))

        async def held_draft():
            conversation, messages = await conversation_state(seller.tenant_id, "<a1@amazon.example>")
            drafts = [m for m in messages if m["direction"] == "outbound"]
            return (conversation, drafts) if drafts and conversation["status"] == "waiting_for_human" else None
        try:
            conversation, [draft] = await wait_for(held_draft, timeout=120)
        except AssertionError:
            raise AssertionError(f"no held draft; the seller's inbox: {await inbox_of(seller.tenant_id)}") from None
        assert conversation["platform"] == "amazon"
        assert draft["status"] == "draft" and conversation["handoff_reason"] == "policy_violation"

        async def invoice_sent():
            return len(peer.received) == 1 and peer.received
        [mail] = await wait_for(invoice_sent, timeout=120)
    assert mail.recipients == ["c3kd81@marketplace.amazon.pl"]
    assert mail.message.get_content().strip().startswith("Tak, fakturę VAT wystawiamy")
    other, _ = await conversation_state(seller.tenant_id, "<a2@amazon.example>")
    assert other["platform"] == "amazon"
