"""Diacritics-insensitive text folding that keeps every character's position."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Letters that Unicode does not decompose into a base letter plus a mark.
_EXTRA = {"ł": "l", "Ł": "l", "ß": "s", "đ": "d", "ø": "o"}


@lru_cache(maxsize=4096)
def _fold_char(char: str) -> str:
    if char in _EXTRA:
        return _EXTRA[char]
    base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
    # One character in, one out, so a match's span in the folded text is its span in the original.
    return base if len(base) == 1 else char.lower()


def fold(text: str) -> str:
    """Lower-case `text` without diacritics ("Zwróciłem" → "zwrocilem"), same length as `text`."""
    return "".join(map(_fold_char, text))


def compile_folded(*patterns: str) -> re.Pattern[str]:
    """One case- and diacritics-insensitive alternation of whole-word patterns; a space is any whitespace."""
    return re.compile("|".join(rf"(?<!\w)(?:{_fold_pattern(p)})(?!\w)" for p in patterns))


def _fold_pattern(pattern: str) -> str:
    # Escapes keep their case: folding "\S" to "\s" would change its meaning.
    parts = re.split(r"(\\.)", pattern)
    return "".join(part if part.startswith("\\") else fold(part).replace(" ", r"\s+") for part in parts)
