"""Handoff classification on labelled customer messages, tenant topic choices, and history."""

from __future__ import annotations

import pytest

from shared.ai.handoff import ALL_TOPICS, DEFAULT_HANDOFF_TOPICS, classify_handoff
from tests.ai.handoff_cases import CASES


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_finds_the_expected_topics(text: str, expected: set[str]) -> None:
    decision = classify_handoff(text)
    assert set(decision.topics) == expected
    assert decision.needs_human == bool(expected & DEFAULT_HANDOFF_TOPICS)
    assert decision.reasons == [t for t in decision.topics if t in DEFAULT_HANDOFF_TOPICS]
    assert bool(decision.matched) == bool(expected)


def test_codes_are_the_stable_ones() -> None:
    assert ALL_TOPICS == ("complaint", "return_request", "return_question", "dispute", "legal", "defect", "angry")
    assert DEFAULT_HANDOFF_TOPICS == set(ALL_TOPICS) - {"return_question"}


def test_a_return_question_is_answered_by_default_and_handed_off_when_the_tenant_says_so() -> None:
    assert not classify_handoff("Jak mogę zwrócić towar?").needs_human
    decision = classify_handoff("Jak mogę zwrócić towar?", topics=ALL_TOPICS)
    assert decision.needs_human and decision.reasons == ["return_question"]


def test_a_tenant_can_let_the_bot_answer_return_requests_but_not_defects() -> None:
    topics = DEFAULT_HANDOFF_TOPICS - {"return_request"}
    assert not classify_handoff("Chcę zwrócić te buty.", topics=topics).needs_human
    decision = classify_handoff("Chcę zwrócić, towar jest uszkodzony", topics=topics)
    assert decision.reasons == ["defect"] and decision.topics == ["return_request", "defect"]


def test_no_topics_means_never_hand_off() -> None:
    decision = classify_handoff("REKLAMACJA!!! Oszuści, pozwę was", topics=())
    assert not decision.needs_human and decision.reasons == []
    assert {"complaint", "dispute", "legal", "angry"} <= set(decision.topics)


def test_matched_words_are_quoted_as_the_customer_wrote_them() -> None:
    decision = classify_handoff("Składam REKLAMACJĘ, ekran PĘKNIĘTY")
    assert decision.matched == ["REKLAMACJĘ", "PĘKNIĘTY"]


def test_earlier_unanswered_messages_count() -> None:
    decision = classify_handoff("Jak mogę go odesłać?", history=["Dzień dobry", "Telefon przyszedł uszkodzony."])
    assert decision.needs_human
    assert decision.topics == ["return_request", "defect"]


def test_history_alone_is_enough() -> None:
    assert classify_handoff("halo?", history=["wystawię negatywny komentarz"]).reasons == ["angry"]


@pytest.mark.parametrize("text", ["", "   ", "\n", "🙂"])
def test_empty_messages_need_no_human(text: str) -> None:
    assert classify_handoff(text) == classify_handoff("")
    assert not classify_handoff(text).needs_human


def test_an_absurdly_long_message_is_judged_by_its_beginning_quickly() -> None:
    text = "reklamacja " + "bla " * 200_000
    assert classify_handoff(text).reasons == ["complaint"]


def test_shouting_needs_enough_words() -> None:
    assert not classify_handoff("OK").needs_human
    assert not classify_handoff("Rozmiar XL czy XXL?").needs_human
    assert classify_handoff("ODDAJCIE MOJE PIENIĄDZE").reasons == ["return_request", "angry"]
