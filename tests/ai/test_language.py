"""Language detection: labelled messages from one word up, fallbacks, and the prompt instructions."""

from __future__ import annotations

import pytest

from shared.ai.language import DEFAULT_LANGUAGE, LANGUAGES, REPLY_INSTRUCTIONS, Detection, detect, detect_language
from tests.ai.language_cases import CASES


@pytest.mark.parametrize(("text", "previous", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_detects_the_customers_language(text: str, previous: str | None, expected: str) -> None:
    assert detect_language(text, previous) == expected


@pytest.mark.parametrize("text", ["", "   ", "ok", "👍🙂", "12345", "https://allegro.pl/oferta/123", "a@b.pl"])
def test_contentless_messages_fall_back_without_confidence(text: str) -> None:
    assert detect(text) == Detection(DEFAULT_LANGUAGE, 0.0, fallback=True)
    result = detect(text, "hu")
    assert (result.language, result.confidence, result.fallback) == ("hu", 0.0, True)
    assert detect_language(text) == DEFAULT_LANGUAGE


def test_an_unknown_previous_language_is_ignored() -> None:
    assert detect_language("ok", "de") == "pl"


def test_a_confident_long_message_overrides_the_previous_language() -> None:
    result = detect("Hello, I would like to know when my order will be shipped, please.", previous="pl")
    assert result.language == "en" and not result.fallback and result.confidence >= 0.8


def test_polish_letters_decide_a_short_message() -> None:
    # Two words of evidence at most, yet "ę" is Polish only: it outweighs the conversation's English.
    result = detect("Dzięki", previous="en")
    assert result.language == "pl" and not result.fallback and result.confidence >= 0.9
    assert detect_language("Dzięki", previous="en") == "pl"
    # Without the letter the same word is no evidence, and the conversation's language stays.
    unmarked = detect("Dzieki", previous="en")
    assert (unmarked.language, unmarked.fallback) == ("en", True)


def test_cyrillic_is_bulgarian() -> None:
    assert detect("Да", previous="pl").language == "bg"


def test_every_language_has_a_reply_instruction() -> None:
    assert set(REPLY_INSTRUCTIONS) == set(LANGUAGES)
    assert all(text.startswith("Answer in ") for text in REPLY_INSTRUCTIONS.values())
