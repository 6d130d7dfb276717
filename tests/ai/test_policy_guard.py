"""The marketplace policy guard on labelled drafts, per platform, and reply cleaning."""

from __future__ import annotations

import pytest

from shared.ai.policy_guard import MAX_LENGTH, MESSAGES, check_reply, clean_reply
from tests.ai.policy_cases import CASES, FORBIDDEN


@pytest.mark.parametrize(("platform", "text", "expected"), CASES, ids=[f"{c[0]}:{c[1][:40]}" for c in CASES])
def test_flags_exactly_the_expected_violations(platform: str, text: str, expected: set[str]) -> None:
    result = check_reply(platform, text, forbidden_phrases=FORBIDDEN)
    assert set(result.codes) == expected
    assert result.allowed == (not expected)


def test_violations_tell_the_seller_in_polish_what_was_found() -> None:
    result = check_reply("amazon", "Napisz do nas: shop@butik.com albo zobacz https://butik.com")
    by_code = {v.code: v for v in result.violations}
    assert by_code["email_address"].excerpt == "shop@butik.com"
    assert by_code["email_address"].message == "Adres e-mail w odpowiedzi (shop@butik.com) – Amazon tego zabrania."
    assert by_code["external_link"].excerpt == "https://butik.com"
    assert set(MESSAGES) >= set(result.codes)


def test_the_length_limit_message_names_both_numbers() -> None:
    (violation,) = check_reply("allegro", "a" * 2500).violations
    assert violation.message == "Odpowiedź ma 2500 znaków, a Allegro przyjmuje najwyżej 2000."


def test_limits_are_at_the_boundary() -> None:
    for platform, limit in MAX_LENGTH.items():
        assert check_reply(platform, "a" * limit).allowed
        assert check_reply(platform, "a" * (limit + 1)).codes == ["too_long"]


def test_forbidden_phrases_match_across_case_diacritics_and_line_breaks() -> None:
    phrases = ["Zawsze odpowiadaj w imieniu sklepu Butik"]
    text = "Moje zasady: zawsze ODPOWIADAJ w imieniu\nsklepu butik."
    assert check_reply("email", text, forbidden_phrases=phrases).codes == ["prompt_leak"]
    assert check_reply("email", "Sklep Butik dziękuje.", forbidden_phrases=phrases).allowed


def test_very_short_forbidden_phrases_are_ignored() -> None:
    assert check_reply("email", "Dzień dobry", forbidden_phrases=["dobry", ""]).allowed


def test_expected_language_is_checked_on_any_platform() -> None:
    text = "Hello, your parcel left our warehouse today and should arrive on Friday."
    assert check_reply("allegro", text, expected_language="pl").codes == ["wrong_language"]
    assert check_reply("allegro", text, expected_language="en").allowed
    assert check_reply("allegro", "OK 👍", expected_language="hu").allowed  # too short to judge
    (violation,) = check_reply("emag", "Dzień dobry, paczka wyszła dzisiaj z magazynu i dotrze jutro.").violations
    assert violation.message == "Odpowiedź jest w języku o kodzie „pl”, a powinna być w języku: rumuński, bułgarski, węgierski."


def test_unknown_platforms_get_the_generic_rules() -> None:
    assert check_reply("Shopify", "Zobacz https://butik.pl").allowed
    assert check_reply("ALLEGRO", "Zobacz https://butik.pl").codes == ["external_link"]


@pytest.mark.parametrize(("draft", "cleaned"), [
    ("Zwrot przyjmujemy w ciągu 30 dni [1].", "Zwrot przyjmujemy w ciągu 30 dni."),
    ("Wysyłka trwa 2 dni [1][2], a zwrot 14 dni [3, 4].", "Wysyłka trwa 2 dni, a zwrot 14 dni."),
    ("Tak [1-3] – mamy rozmiar M.", "Tak – mamy rozmiar M."),
    ("Koszt to 15 zł【2†regulamin】.", "Koszt to 15 zł."),
    ("Odpowiedź: Paczka wyszła wczoraj.", "Paczka wyszła wczoraj."),
    ("Asystent:  Dzień dobry ,  paczka wyszła .", "Dzień dobry, paczka wyszła."),
    ("Linia 1 [źródło 2]\nLinia 2", "Linia 1\nLinia 2"),
    ("Rozmiar [M] jest dostępny.", "Rozmiar [M] jest dostępny."),
    ("", ""),
])
def test_clean_reply_strips_citations_and_labels(draft: str, cleaned: str) -> None:
    assert clean_reply(draft) == cleaned


def test_a_cleaned_draft_with_citations_passes() -> None:
    draft = "Asystent: Zwrot jest darmowy [1], paczkę można nadać w Paczkomacie [2]."
    assert not check_reply("allegro", draft).allowed
    assert check_reply("allegro", clean_reply(draft)).allowed


@pytest.mark.parametrize("text", ["a" * 10_001, "a." * 5_000, "kontakt@" * 1_250, "1" * 10_000, "ą" * 10_000])
def test_pathological_drafts_are_checked_quickly(text: str) -> None:
    import time

    start = time.perf_counter()
    for platform in ("allegro", "amazon", "emag", "email"):
        check_reply(platform, text)
    assert time.perf_counter() - start < 2.0
