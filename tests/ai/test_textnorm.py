"""Diacritics folding keeps positions, so matches quote the original text."""

from __future__ import annotations

import pytest

from shared.ai.textnorm import compile_folded, fold


@pytest.mark.parametrize(("text", "folded"), [
    ("Zwróciłem ŻÓŁTĄ kurtkę", "zwrocilem zolta kurtke"),
    ("Mulțumesc, ştiu", "multumesc, stiu"),
    ("Köszönöm, hosszú", "koszonom, hosszu"),
    ("Здравейте, няма", "здравеите, няма"),
    ("ﬁ 👍", "ﬁ 👍"),
])
def test_fold_is_lowercase_ascii_like_and_keeps_length(text: str, folded: str) -> None:
    assert fold(text) == folded
    assert len(fold(text)) == len(text)


def test_patterns_match_whole_words_whatever_the_diacritics_and_spacing() -> None:
    pattern = compile_folded(r"zwr[oó]c\w*", r"nie działa")
    assert [m.group() for m in pattern.finditer(fold("ZWROCIC, nie   dziala, niezwrocony"))] == ["zwrocic", "nie   dziala"]
    assert compile_folded(r"\S+@\S+").pattern.count(r"\S") == 2
