"""URL slugs from Polish company names: "Sklep Łódź" → "sklep-lodz"."""

from __future__ import annotations

import re
import unicodedata

# NFKD leaves these without an ASCII base letter, so they need an explicit mapping.
_SPECIAL = str.maketrans({"ł": "l", "Ł": "L", "ß": "ss", "æ": "ae", "ø": "o", "đ": "d"})
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
MAX_SLUG_LENGTH = 60


def slugify(name: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", name.translate(_SPECIAL)).encode("ascii", "ignore").decode()
    slug = _NON_ALNUM.sub("-", ascii_text.lower()).strip("-")
    return slug[:MAX_SLUG_LENGTH].rstrip("-") or "sklep"


def slug_candidates(name: str, attempts: int = 20) -> list[str]:
    """The slug, then "slug-2", "slug-3"...: tried in order until one is free."""
    base = slugify(name)
    return [base] + [f"{base}-{n}" for n in range(2, attempts + 1)]
