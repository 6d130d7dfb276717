"""Fact-like tokens are compared as values: what the reply states must be what the evidence states."""

from __future__ import annotations

import pytest

from shared.ai.verify.facts import FactIndex, extract, unsupported

EVIDENCE = FactIndex.of([
    "Dostawa kurierem InPost kosztuje 1 000 zł za paletę i trwa 14 dni roboczych. Sklep czynny w sobotę 9:00–13:00.",
    "Pisz na sklep@rowery.pl lub dzwoń: +48 601 234 567. Regulamin: www.rowery.pl/regulamin. Rabat 10%.",
])


@pytest.mark.parametrize("reply", [
    "Dostawa kurierem InPostem kosztuje 1000 zł.",        # a declined name, thousands without the space
    "Paleta kosztuje 1 000,00 zł i jedzie 14 dni.",         # a decimal comma and trailing zeros
    "W sobotę jesteśmy od 9:00.",
    "Napisz na sklep@rowery.pl albo zadzwoń pod 601 234 567.",
    "Regulamin jest na www.rowery.pl/regulamin, rabat to 10 %.",
])
def test_the_same_facts_written_differently_are_supported(reply):
    assert unsupported(reply, EVIDENCE) == []


@pytest.mark.parametrize(("reply", "fact"), [
    ("Zwrot jest możliwy w ciągu 1000 dni.", "1000"),        # the number is there, what it counts is not
    ("Dostawa trwa dwa tygodnie.", "dwa"),                   # spelled out: 2 weeks is not 14 days
    ("Dostawa kurierem DPD.", "DPD"),
    ("W niedzielę też jesteśmy.", "niedzielę"),
    ("Sklep czynny do 14:00.", "14:00"),
    ("Pisz na biuro@rowery.pl.", "biuro@rowery.pl"),
    ("Rabat 15%.", "15"),
    ("Zamówienia do 31.12.2026.", "31.12.2026"),
])
def test_a_fact_the_evidence_does_not_state_is_found(reply, fact):
    assert fact in [f.text for f in unsupported(reply, EVIDENCE)]


def test_courtesy_and_sentence_starts_are_not_names():
    assert [f.kind for f in extract("Dzień dobry Pani Anno. Dziękujemy za wiadomość. Pozdrawiamy!")] == []
