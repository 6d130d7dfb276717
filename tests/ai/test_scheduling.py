"""A complete message is answered at once; only a fragment waits for the rest of the burst."""

from __future__ import annotations

import pytest

from shared.ai.scheduling import is_fragment, reply_delay_ms

FRAGMENTS = [
    "Dzień dobry", "dzien dobry", "Dzień dobry,", "Witam", "Witam serdecznie!", "mam pytanie", "Mam takie pytanie",
    "Dzień dobry, mam pytanie", "?", "??", "halo", "Hej", "Chciałam zapytać", "Szanowni Państwo,", "", "   ",
    "Hello", "Hi, quick question", "Bună ziua", "Jó napot!", "Здравейте", "Добър ден, имам въпрос", "ok", "👍",
    "zamówienie 123456789",
]
COMPLETE = [
    "Ile kosztuje wysyłka?", "Czy jest M?", "Kiedy wysyłka?", "Dzień dobry, ile trwa dostawa do Niemiec?",
    "Proszę o fakturę na firmę", "Chcę zwrócić buty bo są za małe", "Paczka przyszła rozbita",
    "mam pytanie czy ten garnek nadaje się na indukcję", "Is this compatible with iPhone 15?",
    "Cât costă livrarea în Cluj?", "Mennyi a szállítási idő?", "Кога ще изпратите поръчката?",
]


@pytest.mark.parametrize("text", FRAGMENTS)
def test_fragments_wait_for_the_rest_of_the_burst(text, monkeypatch):
    monkeypatch.setenv("AI_QUIET_PERIOD_SECONDS", "30")
    assert is_fragment(text)
    assert reply_delay_ms(text) == 30_000


@pytest.mark.parametrize("text", COMPLETE)
def test_a_complete_message_is_answered_at_once(text, monkeypatch):
    monkeypatch.setenv("AI_QUIET_PERIOD_SECONDS", "30")
    assert not is_fragment(text)
    assert reply_delay_ms(text) == 0
