"""The reply agent with the send verifier, on real Postgres, Weaviate and embeddings, and a scripted
OpenAI-compatible model whose answers each test chooses (a fabricated number, an echo, a good answer)."""

from __future__ import annotations

import json

import pytest

from shared.ai.agent import handle_customer_message
from shared.ai.config import update_ai_config
from shared.ai.schemas import AiConfigPatch
from shared.ai.verify import qualification
from shared.ai.verify.answer import response_format
from shared.infra.llm import LlmSettings
from shared.settings import load
from tests.ai.test_agent import conversation_of, customer_writes, replies_to, seller_with_policy, stores  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]

SHIPPING = "Zamówienia złożone do godziny 13:00 wysyłamy tego samego dnia kurierem InPost."
RETURNS = "Kupujący może zwrócić towar bez podania przyczyny w ciągu 14 dni od otrzymania przesyłki."


@pytest.fixture
def model(scripted_model):
    return scripted_model


async def autopilot_seller(stores, label: str):  # noqa: F811
    seller, document_id = await seller_with_policy(stores, label)
    await update_ai_config(seller.tenant_id, AiConfigPatch(autopilot_mode="auto"))
    return seller


async def outcome_of(stores, seller, text: str, thread: str = "thread-1"):  # noqa: F811
    message_id = await customer_writes(seller.tenant_id, text, thread=thread)
    outcome = await handle_customer_message(stores, seller.tenant_id, message_id)
    return outcome, message_id


async def test_a_verified_answer_of_a_qualified_model_is_sent_with_its_quotes(stores, model):  # noqa: F811
    seller = await autopilot_seller(stores, "verified")
    model.answer_json("Do której godziny", quotes=[SHIPPING],
                      answer="Zamówienia złożone do godziny 13:00 wysyłamy tego samego dnia kurierem InPost.")
    outcome, message_id = await outcome_of(stores, seller, "Do której godziny wysyłacie zamówienia tego samego dnia?")
    assert outcome.action == "approved", outcome
    [reply] = await replies_to(seller.tenant_id, message_id)
    meta = json.loads(reply["meta"]) if isinstance(reply["meta"], str) else reply["meta"]
    assert meta["verification"]["passed"] and meta["modelQualified"]
    citations = json.loads(reply["citations"]) if isinstance(reply["citations"], str) else reply["citations"]
    assert SHIPPING in [q for c in citations for q in c["quotes"]]
    # The server was asked for the answer's JSON Schema in its own dialect, not for free text.
    asked = model.requests[-1]["response_format"]
    assert asked == response_format(load(LlmSettings).structured_output)
    assert "quotes" in json.dumps(asked)


@pytest.mark.parametrize(("customer", "quotes", "answer", "reason"), [
    ("Ile mam dni na zwrot towaru?", [RETURNS], "Towar może Pan zwrócić w ciągu 30 dni od otrzymania przesyłki.",
     "unsupported_claim"),
    ("Ile mam dni na zwrot towaru?", [RETURNS],
     "<wiedza> Kupujący może zwrócić towar w ciągu 14 dni </wiedza> Odpowiedz obiektem JSON; pole answer po polsku",
     "prompt_echo"),
    ("Ile mam dni na zwrot towaru?", ["Zwrot możliwy w ciągu 14 dni roboczych."],
     "Zwrot jest możliwy w ciągu 14 dni.", "unsupported_quote"),
    ("Ile mam dni na zwrot towaru?", [RETURNS], "Za jedną klientach wybrócie zwrotowie dniów.", "not_fluent"),
])
async def test_a_reply_that_fails_verification_is_a_held_draft_with_its_reason(stores, model, customer, quotes,
                                                                              answer, reason):  # noqa: F811
    seller = await autopilot_seller(stores, f"held-{reason}")
    model.answer_json(customer, quotes=quotes, answer=answer)
    outcome, message_id = await outcome_of(stores, seller, customer)
    assert (outcome.action, outcome.reason) == ("drafted", reason)
    conversation = await conversation_of(seller.tenant_id, message_id)
    assert (conversation["status"], conversation["handoff_reason"]) == ("waiting_for_human", reason)
    [reply] = await replies_to(seller.tenant_id, message_id)
    assert reply["status"] == "draft"


@pytest.mark.parametrize(("raw", "action", "reason"), [
    ("Zwrot w ciągu 14 dni.", "drafted", "malformed_answer"),  # not JSON: a person sees the text
    ('{"answerable": true, "quotes": [], "answer": "' + "bardzo długa odpowiedź " * 200 + '"}', "drafted",
     "malformed_answer"),
    ('{"answerable": false, "quotes": [], "answer": ""}', "handoff", "no_grounding"),
    ('{"answerable": true, "quotes": [], "answer": "   "}', "handoff", "llm_empty"),
])
async def test_bad_model_output_is_never_sent_and_never_lost(stores, model, raw, action, reason):  # noqa: F811
    seller = await autopilot_seller(stores, f"bad-{reason}")
    model.answer("zwrot", raw)
    outcome, message_id = await outcome_of(stores, seller, "Ile mam dni na zwrot towaru?")
    assert (outcome.action, outcome.reason) == (action, reason)
    assert all(r["status"] == "draft" for r in await replies_to(seller.tenant_id, message_id))
    assert (await conversation_of(seller.tenant_id, message_id))["handoff_reason"] == reason


async def test_an_unqualified_models_verified_answer_waits_for_a_person(stores, model, monkeypatch):  # noqa: F811
    monkeypatch.delenv("AI_MODEL_QUALIFIED_WITHOUT_EVAL")
    seller = await autopilot_seller(stores, "unqualified")
    model.answer_json("zwrot", quotes=[RETURNS], answer="Towar można zwrócić w ciągu 14 dni od otrzymania przesyłki.")
    outcome, message_id = await outcome_of(stores, seller, "Ile mam dni na zwrot towaru?")
    assert (outcome.action, outcome.reason) == ("drafted", "model_not_qualified")

    # A passed eval run qualifies it; a later failed one takes it back.
    assert await qualification.record(model.model, {"keyFactAccuracy": 0.9, "unsupportedClaimRate": 0.0,
                                                    "notCoveredAutoSendRate": 0.0, "promptLeakRate": 0.0,
                                                    "languageMatch": 1.0, "needsPersonAutoSendRate": 0.0},
                                       answer_set="test")
    outcome, _ = await outcome_of(stores, seller, "Ile mam dni na zwrot towaru?", thread="thread-2")
    assert outcome.action == "approved", outcome
    assert not await qualification.record(model.model, {"keyFactAccuracy": 0.2}, answer_set="test")
    outcome, _ = await outcome_of(stores, seller, "Ile mam dni na zwrot towaru?", thread="thread-3")
    assert (outcome.action, outcome.reason) == ("drafted", "model_not_qualified")


async def test_a_question_the_knowledge_does_not_mention_is_handed_off_without_a_model_call(stores, model):  # noqa: F811
    seller = await autopilot_seller(stores, "not-covered")
    outcome, _ = await outcome_of(stores, seller, "Czy oferujecie ubezpieczenie roweru od kradzieży na dwa lata?")
    assert (outcome.action, outcome.reason) == ("handoff", "no_grounding")
    assert model.requests == []
