"""The send verifier on real bad model outputs and on good replies (pure: no servers, real dictionaries)."""

from __future__ import annotations

import pytest

from shared.ai.verify.answer import GroundedAnswer, parse
from shared.ai.verify.verifier import REASONS, find_quote, verify
from tests.ai.verify.replies import BAD, BIKE_SHOP, GOOD, HELD_GOOD, OLD_INSTRUCTIONS, TITLES


def check(question: str, quotes: list[str], answer: str):
    return verify(GroundedAnswer(quotes=quotes, answer=answer), evidence=BIKE_SHOP, customer_messages=[question],
                  instructions=OLD_INSTRUCTIONS, titles=TITLES, language="pl")


@pytest.mark.parametrize(("question", "quotes", "answer", "reason"), BAD, ids=[b[2][:40] for b in BAD])
def test_bad_outputs_are_held_with_their_reason(question, quotes, answer, reason):
    verification = check(question, quotes, answer)
    assert not verification.passed
    assert reason in {f.code for f in verification.findings}, verification.findings


@pytest.mark.parametrize(("question", "quotes", "answer"), GOOD, ids=[g[2][:40] for g in GOOD])
def test_good_replies_pass(question, quotes, answer):
    verification = check(question, quotes, answer)
    assert verification.passed, verification.findings
    assert verification.known_word_share >= 0.9


@pytest.mark.parametrize(("question", "quotes", "answer"), HELD_GOOD)
def test_a_synonym_the_quotes_do_not_share_holds_a_good_reply_as_a_draft(question, quotes, answer):
    assert check(question, quotes, answer).reason == "not_answered"


def test_an_amount_question_needs_an_amount_in_the_quotes():
    verification = check("Ile kosztuje rower na palecie?", ["Rowery wysyłamy na palecie"], "Rowery wysyłamy na palecie.")
    assert verification.reason == "not_answered" and "amount" in verification.findings[0].detail


ORDER_FACTS = ["Zwrot pieniędzy: 1299,00 zł, zlecony 03.12.2026.", "Zwrot pieniędzy zlecony 03.12.2026."]


@pytest.mark.parametrize(("quote", "answer"), [
    # The order's refund line holds only a date: its digits are not the amount asked for.
    (ORDER_FACTS[1], "Zwrot pieniędzy zlecony 03.12.2026, pieniądze są w drodze."),
    # The quote holds the amount, the reply leaves it out.
    (ORDER_FACTS[0], "Zwrot pieniędzy zlecony 03.12.2026, pieniądze są w drodze."),
])
def test_an_amount_question_is_not_answered_by_a_date(quote, answer):
    verification = verify(GroundedAnswer(quotes=[quote], answer=answer), evidence=ORDER_FACTS,
                          customer_messages=["Ile pieniędzy zwrócono za zwrot?"], instructions=OLD_INSTRUCTIONS,
                          titles=[], language="pl")
    assert any(f.code == "not_answered" and "amount" in f.detail for f in verification.findings), verification.findings


def test_an_amount_question_answered_with_the_amount_passes_the_amount_rule():
    answer = GroundedAnswer(quotes=[ORDER_FACTS[0]], answer="Zwrot pieniędzy 1299,00 zł zlecony 03.12.2026.")
    verification = verify(answer,
                          evidence=ORDER_FACTS, customer_messages=["Ile pieniędzy zwrócono za zwrot?"],
                          instructions=OLD_INSTRUCTIONS, titles=[], language="pl")
    assert not any("amount" in f.detail for f in verification.findings), verification.findings


def test_every_reason_is_a_short_code_the_conversation_can_hold():
    assert all(len(code) <= 50 and code.isidentifier() for code in REASONS)


def test_quotes_match_across_case_whitespace_quote_marks_and_ellipses():
    assert find_quote("towar  można zwrócić w ciągu 14 DNI", BIKE_SHOP) == 1
    assert find_quote("Dla wzrostu 160–170 cm polecamy ramę S … 178–188 cm ramę L", BIKE_SHOP) == 2
    assert find_quote("Towar można zwrócić w ciągu 30 dni", BIKE_SHOP) is None
    assert find_quote("14 dni", BIKE_SHOP) is None  # too short to be evidence of anything


def test_a_reason_is_the_most_telling_finding():
    verification = check("Ile kosztuje wysyłka?", ["Dostawa kurierem DPD kosztuje 19 zł"],
                         "Wysylka.md: Czas wysyłowie, krót za pomilę 149 zł.")
    assert verification.reason == "prompt_echo"
    assert {"unsupported_claim", "not_fluent"} <= {f.code for f in verification.findings}


def test_the_customers_own_facts_may_be_repeated():
    verification = check("Zamówiłem rower nr zamówienia 48213, ile kosztuje wysyłka roweru?",
                         ["Rowery wysyłamy na palecie za 149 zł."],
                         "Wysyłka roweru z zamówienia 48213 kosztuje 149 zł, wysyłamy go na palecie.")
    assert verification.passed, verification.findings


@pytest.mark.parametrize(("raw", "problem"), [
    ("", "format"),
    ("Dzień dobry, zwrot w 14 dni.", "format"),
    ('{"answerable": true, "quotes": "Towar można", "answer": "x"}', "format"),
    ('{"answerable": true, "quotes": [], "answer": "' + "a" * 5000 + '"}', "5000"),
    ("x" * 20_000, "20000"),
])
def test_malformed_model_output_is_not_an_answer(raw, problem):
    parsed = parse(raw)
    assert parsed.answer is None and problem in parsed.problem


def test_fenced_json_with_extra_fields_parses():
    parsed = parse('```json\n{"answerable": true, "quotes": ["a b c"], "answer": " Tak. ", "confidence": 1}\n```')
    assert parsed.answer is not None and parsed.answer.answer == "Tak." and parsed.answer.quotes == ["a b c"]
