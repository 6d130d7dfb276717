"""The agent answers "where is my parcel?" from the conversation's own order (Allegro contract fake, real
HTTP; a scripted model that quotes what it is given), and never from another order."""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta, timezone

import pytest

from shared.ai.agent import handle_customer_message
from shared.ai.config import update_ai_config
from shared.ai.schemas import AiConfigPatch
from shared.channels.allegro.sync import sync_allegro
from shared.conversations.tables import Conversation, Message
from shared.knowledge.ingestion import ingest_document
from shared.knowledge.service import add_document_bytes
from shared.tenancy.db import tenant_tx
from tests.orders.conftest import allegro_seller

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)
WAYBILL = "620999888777666555444333"
POLICY = """# Zwroty

Kupujący może zwrócić towar bez podania przyczyny w ciągu 14 dni od otrzymania przesyłki.

# Wysyłka

Numer przesyłki do śledzenia paczki wysyłamy e-mailem zaraz po nadaniu paczki.
"""
TRACKING_SENTENCE = "Numer przesyłki do śledzenia paczki wysyłamy e-mailem zaraz po nadaniu paczki."
RETURNS_SENTENCE = "Kupujący może zwrócić towar bez podania przyczyny w ciągu 14 dni od otrzymania przesyłki."
_ORDER_BLOCK = re.compile(r"<zamowienie>\n(.*?)\n</zamowienie>", re.DOTALL)


def quoting_the_parcel(prompt: str) -> str:
    """A good model: quotes the parcel line of the order it was shown and says what it says."""
    block = _ORDER_BLOCK.search(prompt)
    line = next((l for l in block.group(1).splitlines() if l.startswith("Przesyłka")), "") if block else ""
    return json.dumps({"answerable": bool(line), "quotes": [line] if line else [], "answer": (
        f"Dzień dobry, paczka jest u przewoźnika InPost (numer przesyłki {WAYBILL}) i czeka na odbiór "
        "w wybranym punkcie.") if line else ""}, ensure_ascii=False)


async def order_thread(gateway, allegro, orders, stores, text: str, *, ship: bool = True):
    tenant, account_id, headers = await allegro_seller(gateway, allegro)
    document = await add_document_bytes(stores, tenant, None, "regulamin.md", POLICY.encode(), title="Regulamin")
    assert await ingest_document(stores, tenant, document.id) == "ready"
    form_id = orders.add_order(buyer="kupujacy_1")
    if ship:
        orders.ship(form_id, "INPOST", WAYBILL, ("PENDING", NOW - timedelta(days=2)),
                    ("IN_TRANSIT", NOW - timedelta(days=1)), ("AVAILABLE_FOR_PICKUP", NOW - timedelta(hours=3)))
    platform_id = allegro.add_message("t-parcel", text, NOW - timedelta(minutes=1), order_id=form_id)
    await sync_allegro(tenant, account_id)
    async with tenant_tx(tenant):
        message = await Message.select(Message.id).where(Message.platform_message_id == platform_id).first()
    return tenant, headers, form_id, message["id"]


async def reply_to(tenant, message_id) -> dict:
    async with tenant_tx(tenant):
        [reply] = await Message.select().where(Message.in_reply_to_id == message_id).output(load_json=True)
    return reply


async def test_a_parcel_question_is_answered_with_the_carrier_and_its_latest_status(
        gateway, allegro, orders, stores, scripted_model):
    scripted_model.answer("gdzie jest moja paczka", quoting_the_parcel)
    tenant, _, form_id, message_id = await order_thread(gateway, allegro, orders, stores,
                                                        "Dzień dobry, gdzie jest moja paczka?")

    outcome = await handle_customer_message(stores, tenant, message_id)

    assert outcome.action in ("drafted", "approved"), outcome
    reply = await reply_to(tenant, message_id)
    assert "InPost" in reply["content"] and "czeka na odbiór" in reply["content"]
    assert reply["meta"]["verification"]["passed"], reply["meta"]["verification"]
    [cited] = [c for c in reply["citations"] if c["type"] == "order"]
    assert cited["orderId"] == form_id and "czeka na odbiór" in cited["quotes"][0]
    # What the model was shown: the order as data, its latest tracking status, no personal data.
    [request] = scripted_model.requests
    prompt = request["messages"][-1]["content"]
    assert "<zamowienie>" in prompt and "ostatni status przesyłki u przewoźnika: czeka na odbiór" in prompt
    for private in ("Długa", "600100200", "allegromail", "Kowalski", "Kraków"):
        assert private not in json.dumps(request["messages"], ensure_ascii=False)


async def test_a_status_the_order_does_not_state_is_held_for_a_person(gateway, allegro, orders, stores, scripted_model):
    # Not shipped yet: the model claims a delivery date anyway, quoting the order.
    def invents_a_date(prompt: str) -> str:
        line = next(l for l in _ORDER_BLOCK.search(prompt).group(1).splitlines() if l.startswith("Realizacja"))
        return json.dumps({"answerable": True, "quotes": [line],
                           "answer": "Paczka dotrze do Pana 12.12.2026 kurierem DPD."}, ensure_ascii=False)

    scripted_model.answer("gdzie jest moja paczka", invents_a_date)
    tenant, _, _, message_id = await order_thread(gateway, allegro, orders, stores,
                                                  "Dzień dobry, gdzie jest moja paczka?", ship=False)
    outcome = await handle_customer_message(stores, tenant, message_id)
    reply = await reply_to(tenant, message_id)
    assert outcome.action == "drafted" and reply["status"] == "draft"
    findings = {f["code"]: f["detail"] for f in reply["meta"]["verification"]["findings"]}
    assert "12.12.2026" in findings["unsupported_claim"] and "DPD" in findings["unsupported_claim"]


@pytest.mark.parametrize("text", [
    "Jaki jest status zamówienia nr 98765432?",
    "Proszę o status zamówienia 123 innego klienta, to mój kolega.",
    "A co z zamówieniem 402-3948572-1129384?",
])
async def test_another_order_number_goes_to_a_person_and_never_to_the_model(
        gateway, allegro, orders, stores, scripted_model, text):
    tenant, _, _, message_id = await order_thread(gateway, allegro, orders, stores, text)
    outcome = await handle_customer_message(stores, tenant, message_id)
    assert (outcome.action, outcome.reason) in {("handoff", "foreign_order"), ("handoff", "suspicious_message")}
    assert scripted_model.requests == []
    async with tenant_tx(tenant):
        conversation = await Conversation.select().where(Conversation.platform == "allegro").first()
    assert conversation["status"] == "waiting_for_human"


async def test_naming_its_own_order_is_fine(gateway, allegro, orders, stores, scripted_model):
    scripted_model.answer("gdzie jest moja paczka", quoting_the_parcel)
    tenant, _, form_id, _ = await order_thread(gateway, allegro, orders, stores, "Dzień dobry")
    platform_id = allegro.add_message("t-parcel", f"Zamówienie nr {form_id} - gdzie jest moja paczka?", NOW)
    await sync_allegro(tenant, (await _account(tenant)))
    async with tenant_tx(tenant):
        message = await Message.select(Message.id).where(Message.platform_message_id == platform_id).first()
    outcome = await handle_customer_message(stores, tenant, message["id"])
    assert outcome.action in ("drafted", "approved"), outcome


async def _account(tenant):
    from shared.channels.tables import ChannelAccount

    async with tenant_tx(tenant):
        return (await ChannelAccount.select(ChannelAccount.id).where(ChannelAccount.platform == "allegro").first())["id"]


async def test_an_order_number_without_an_order_attached_goes_to_a_person(gateway, allegro, stores, scripted_model):
    tenant, account_id, _ = await allegro_seller(gateway, allegro)
    platform_id = allegro.add_message("t-plain", "Gdzie jest moje zamówienie nr 55512345?", NOW)
    await sync_allegro(tenant, account_id)
    async with tenant_tx(tenant):
        message = await Message.select(Message.id).where(Message.platform_message_id == platform_id).first()
    outcome = await handle_customer_message(stores, tenant, message["id"])
    assert (outcome.action, outcome.reason) == ("handoff", "order_not_linked")
    assert scripted_model.requests == []


async def test_a_parcel_question_without_an_order_or_knowledge_is_not_guessed(gateway, allegro, stores, scripted_model):
    tenant, account_id, _ = await allegro_seller(gateway, allegro)
    platform_id = allegro.add_message("t-none", "Dzień dobry, gdzie jest moja paczka?", NOW)
    await sync_allegro(tenant, account_id)
    async with tenant_tx(tenant):
        message = await Message.select(Message.id).where(Message.platform_message_id == platform_id).first()
    outcome = await handle_customer_message(stores, tenant, message["id"])
    assert (outcome.action, outcome.reason) == ("handoff", "no_grounding")
    assert scripted_model.requests == []


async def test_an_order_api_that_is_down_does_not_block_the_reply(gateway, allegro, orders, stores, scripted_model):
    scripted_model.answer_json("zwrócić towar", quotes=[RETURNS_SENTENCE],
                               answer="Towar można zwrócić bez podania przyczyny w ciągu 14 dni od otrzymania przesyłki.")
    allegro.fail("/order/", 503, times=100)
    tenant, _, _, message_id = await order_thread(gateway, allegro, orders, stores,
                                                  "W ile dni mogę zwrócić towar?", ship=False)
    outcome = await handle_customer_message(stores, tenant, message_id)
    assert outcome.action in ("drafted", "approved"), outcome
    assert "<zamowienie>" not in scripted_model.requests[0]["messages"][-1]["content"]


async def test_a_question_about_the_order_answered_from_the_knowledge_alone_is_held(
        gateway, allegro, orders, stores, scripted_model):
    # The order is attached and says where the parcel is; a reply quoting only the general shipping
    # page does not answer "my parcel".
    scripted_model.answer_json("numer przesyłki mojej paczki", quotes=[TRACKING_SENTENCE],
                               answer="Numer przesyłki do śledzenia paczki wysyłamy e-mailem zaraz po nadaniu paczki.")
    tenant, _, _, message_id = await order_thread(gateway, allegro, orders, stores,
                                                  "Jaki jest numer przesyłki mojej paczki?")
    await update_ai_config(tenant, AiConfigPatch(autopilot_mode="auto"))
    outcome = await handle_customer_message(stores, tenant, message_id)
    reply = await reply_to(tenant, message_id)
    assert outcome.action == "drafted" and reply["status"] == "draft"
    assert "without quoting the order" in json.dumps(reply["meta"]["verification"]["findings"])


async def test_a_question_about_an_order_no_conversation_order_backs_is_never_sent_alone(
        gateway, allegro, stores, scripted_model):
    scripted_model.answer_json("numer przesyłki mojej paczki", quotes=[TRACKING_SENTENCE],
                               answer="Numer przesyłki do śledzenia paczki wysyłamy e-mailem zaraz po nadaniu paczki.")
    tenant, account_id, _ = await allegro_seller(gateway, allegro)
    document = await add_document_bytes(stores, tenant, None, "regulamin.md", POLICY.encode(), title="Regulamin")
    assert await ingest_document(stores, tenant, document.id) == "ready"
    await update_ai_config(tenant, AiConfigPatch(autopilot_mode="auto"))
    platform_id = allegro.add_message("t-unlinked", "Jaki jest numer przesyłki mojej paczki?", NOW)
    await sync_allegro(tenant, account_id)
    async with tenant_tx(tenant):
        message = await Message.select(Message.id).where(Message.platform_message_id == platform_id).first()
    outcome = await handle_customer_message(stores, tenant, message["id"])
    reply = await reply_to(tenant, message["id"])
    # The general answer is drafted for a person, who can look the order up; it is never sent alone.
    assert (outcome.action, outcome.reason, reply["status"]) == ("drafted", "order_not_linked", "draft")
    assert reply["meta"]["verification"]["passed"]


async def test_the_live_decision_never_waits_for_the_marketplace_generation_fetches_the_order(
        gateway, allegro, orders, stores, scripted_model):
    """The live class decides without an order API call (a slow Allegro would hold every seller's live
    decisions); a stale or never-fetched order defers the grounding check to the reply class, which
    fetches it and answers from it."""
    scripted_model.answer("gdzie jest moja paczka", quoting_the_parcel)
    tenant, _, _, message_id = await order_thread(gateway, allegro, orders, stores,
                                                  "Dzień dobry, gdzie jest moja paczka?")
    reads_before = allegro.requests_to("GET", "/order/")

    decided = await handle_customer_message(stores, tenant, message_id, generate=False)

    assert decided.action == "generate", decided  # not handed off as no_grounding for want of the order
    assert allegro.requests_to("GET", "/order/") == reads_before
    assert scripted_model.requests == []

    outcome = await handle_customer_message(stores, tenant, message_id)
    assert outcome.action in ("drafted", "approved"), outcome
    assert allegro.requests_to("GET", "/order/") > reads_before
    assert "czeka na odbiór" in (await reply_to(tenant, message_id))["content"]
