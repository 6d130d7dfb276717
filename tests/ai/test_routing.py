"""Model routing: local by default, strong for complex cases or premium, budget rules first."""

from __future__ import annotations

import logging

import msgspec
import pytest

from shared.ai.config import default_ai_config
from shared.ai.routing import (
    MessageFeatures,
    ModelEndpoint,
    ModelEndpoints,
    RoutingThresholds,
    choose_model,
    count_questions,
    load_endpoints,
)
from shared.ai.usage import BudgetStatus

ENDPOINTS = ModelEndpoints(
    local=ModelEndpoint(key="local", base_url="http://vllm-local:8000/v1", model="bielik-11b"),
    strong=ModelEndpoint(key="strong", base_url="https://api.openai.com/v1", model="gpt-4.1-mini", api_key="sk-x"),
)
SIMPLE = MessageFeatures.from_text("Kiedy wyślecie paczkę?", retrieval_confidence=0.9)


def budget(*, spent: float = 0.05, budget_pln: float = 0.45, exhausted: bool = False, strong_allowed: bool = True,
           may_spend: bool = True) -> BudgetStatus:
    return BudgetStatus(month="2026-11", plan="basic", budget_pln=budget_pln, spent_pln=spent,
                        remaining_pln=max(0.0, budget_pln - spent), exhausted=exhausted, projected_pln=spent,
                        strong_allowed=strong_allowed, may_spend=may_spend)


def config(**changes):
    return msgspec.structs.replace(default_ai_config("basic"), **changes)


def route(features=SIMPLE, plan="basic", status=None, **config_changes):
    return choose_model(config(**config_changes), plan, status or budget(), features, endpoints=ENDPOINTS)


@pytest.mark.parametrize(("text", "confidence", "plan", "model_choice", "expected_key", "expected_reason"), [
    ("Dzień dobry, kiedy wysyłka?", 0.9, "basic", "local", "local", "default_local"),
    ("Dziękuję, wszystko doszło!", None, "basic", "local", "local", "default_local"),
    ("ok", None, "pro", "local", "local", "default_local"),
    ("Kiedy wysyłka? Czy jest faktura?", 0.8, "basic", "local", "local", "default_local"),
    ("Kiedy wysyłka? Czy jest faktura? Jaki kurier?", 0.8, "basic", "local", "strong", "several_questions"),
    ("Czy??? to??? działa???", 0.8, "basic", "local", "strong", "several_questions"),
    ("Opis problemu z zamówieniem. " * 25, 0.8, "basic", "local", "strong", "long_message"),
    ("Czy pościel jest z bawełny egipskiej?", 0.3, "basic", "local", "strong", "low_retrieval_confidence"),
    ("Czy pościel jest z bawełny egipskiej?", 0.55, "basic", "local", "local", "default_local"),
    ("Czy pościel jest z bawełny egipskiej?", 0.549, "basic", "local", "strong", "low_retrieval_confidence"),
    ("Kiedy wysyłka?", 0.9, "premium", "local", "strong", "premium_plan"),
    ("Kiedy wysyłka?", 0.9, "basic", "strong", "strong", "tenant_prefers_strong"),
    ("Kiedy wysyłka?", 0.9, "enterprise-legacy", "local", "local", "default_local"),
])
def test_complexity_and_plan_pick_the_model(text, confidence, plan, model_choice, expected_key, expected_reason):
    decision = route(MessageFeatures.from_text(text, confidence), plan=plan, model_choice=model_choice)
    assert (decision.model_key, decision.reason, decision.handoff) == (expected_key, expected_reason, False)
    endpoint = getattr(ENDPOINTS, expected_key)
    assert (decision.base_url, decision.model_name) == (endpoint.base_url, endpoint.model)


def test_every_signal_is_reported_even_when_one_decides():
    long_questions = MessageFeatures(length_chars=900, question_count=4, retrieval_confidence=0.2)
    decision = route(long_questions, plan="premium", model_choice="strong")
    assert decision.signals == ("tenant_prefers_strong", "premium_plan", "long_message", "several_questions",
                                "low_retrieval_confidence")


@pytest.mark.parametrize(("behaviour", "features", "plan", "expected"), [
    ("local_only", SIMPLE, "basic", ("local", "budget_exhausted_local_only", False)),
    ("local_only", MessageFeatures(length_chars=2000, question_count=5), "premium",
     ("local", "budget_exhausted_local_only", False)),
    ("handoff", SIMPLE, "basic", (None, "budget_exhausted_handoff", True)),
    ("handoff", MessageFeatures(length_chars=2000, question_count=5), "premium",
     (None, "budget_exhausted_handoff", True)),
])
def test_exhausted_budget_follows_the_tenant_setting(behaviour, features, plan, expected):
    status = budget(spent=0.46, exhausted=True, strong_allowed=False)
    decision = route(features, plan=plan, status=status, budget_exhausted_behaviour=behaviour)
    assert (decision.model_key, decision.reason, decision.handoff) == expected
    if decision.handoff:
        assert decision.base_url is None and decision.model_name is None


def test_over_pace_keeps_complex_messages_on_the_local_model():
    complex_message = MessageFeatures(length_chars=800, question_count=3)
    paced = route(complex_message, status=budget(spent=0.30, strong_allowed=False))
    assert (paced.model_key, paced.reason) == ("local", "budget_pace_local")
    assert "long_message" in paced.signals
    # A simple message is unaffected by the pace: it was going to the local model anyway.
    assert route(SIMPLE, status=budget(strong_allowed=False)).reason == "default_local"


def test_unpaid_subscription_hands_off_before_anything_else():
    decision = route(SIMPLE, plan="premium", status=budget(may_spend=False), model_choice="strong")
    assert (decision.model_key, decision.reason, decision.handoff) == (None, "subscription_inactive", True)


def test_thresholds_come_from_settings():
    lenient = RoutingThresholds(long_message_chars=50, many_questions=2, low_retrieval_confidence=0.1)
    features = MessageFeatures.from_text("Kiedy wysyłka? Czy jest faktura?", 0.3)
    decision = choose_model(config(), "basic", budget(), features, endpoints=ENDPOINTS, thresholds=lenient)
    assert (decision.model_key, decision.reason) == ("strong", "several_questions")


def test_decision_is_logged_without_message_text(caplog):
    text = "Mój numer telefonu to 600 100 200, kiedy wysyłka? Czy jest faktura? Jaki kurier?"
    with caplog.at_level(logging.INFO, logger="bokai.ai.routing"):
        route(MessageFeatures.from_text(text, 0.9))
    [record] = [r for r in caplog.records if r.name == "bokai.ai.routing"]
    assert record.routing["reason"] == "several_questions" and record.routing["questions"] == 3
    logged = record.getMessage() + repr(record.routing)
    assert "600 100 200" not in logged and "wysyłka" not in logged and "sk-x" not in logged


@pytest.mark.parametrize(("text", "expected"), [
    ("", 0), ("Dzień dobry.", 0), ("Kiedy?", 1), ("Kiedy??", 1), ("A? B? C?", 3), ("Czy ¿to? działa?!", 2),
])
def test_question_count(text, expected):
    assert count_questions(text) == expected


def test_strong_endpoint_falls_back_to_the_local_server(monkeypatch):
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("LLM_MODEL", "smollm2")
    for name in ("LLM_STRONG_BASE_URL", "LLM_STRONG_MODEL", "LLM_STRONG_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    same = load_endpoints()
    assert (same.strong.base_url, same.strong.model) == (same.local.base_url, same.local.model) \
        == ("http://127.0.0.1:9/v1", "smollm2")
    monkeypatch.setenv("LLM_STRONG_BASE_URL", "https://api.openai.com/v1")
    monkeypatch.setenv("LLM_STRONG_MODEL", "gpt-4o-mini")
    monkeypatch.setenv("LLM_STRONG_API_KEY", "sk-test")
    cloud = load_endpoints()
    assert (cloud.strong.base_url, cloud.strong.model, cloud.strong.api_key) == \
        ("https://api.openai.com/v1", "gpt-4o-mini", "sk-test")
    assert "sk-test" not in repr(cloud)
