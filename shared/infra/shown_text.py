"""A name people read (in the app, in a mail header): one line with no invisible or control characters."""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated

from msgspec import Meta

from shared.infra.field_patterns import whole_value

# Control (Cc), format (Cf: zero-width, bidirectional overrides, soft hyphen, tags) and line/paragraph
# separators (Zl, Zp): a line break in a From name adds a mail header, a right-to-left override makes a
# name read as something else, a zero-width character makes two names look the same.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})

# Those categories as of Python's Unicode tables (tests/infra/test_shown_text.py compares them) written
# as a pattern, because a msgspec pattern is refused with a 400 naming the field and is published in the
# OpenAPI schema, so a frontend can check a name before sending it. The planes above U+FFFF are literal
# characters: JSON Schema's ECMA-262 regexes understand them (with Unicode semantics), but not \U escapes.
_HIDDEN_BMP = (r"\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
               r"\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb")
_HIDDEN_ASTRAL = ("\U000110bd\U000110cd\U00013430-\U00013438\U0001bca0-\U0001bca3\U0001d173-\U0001d17a"
                  "\U000e0001\U000e0020-\U000e007f")
# The contents of a character class, for patterns that refuse these characters among others.
HIDDEN = _HIDDEN_BMP + _HIDDEN_ASTRAL
ONE_SHOWN_LINE_RULE = "must be one line without control, zero-width or text-direction characters"
ONE_SHOWN_LINE = whole_value(f"[^{HIDDEN}]*", ONE_SHOWN_LINE_RULE)
_HIDDEN_CHARACTER = re.compile(f"[{HIDDEN}]")

# Text a seller gives something shown to people (a channel's name, a mailbox's From name, the company):
# ``Annotated[OneShownLine, Meta(min_length=1, max_length=255)]`` adds its lengths (and its own examples).
OneShownLine = Annotated[str, Meta(pattern=ONE_SHOWN_LINE, examples=["Sklep Łódź"])]


def is_one_shown_line(text: str) -> bool:
    return not any(unicodedata.category(char) in HIDDEN_CATEGORIES for char in text)


def as_one_shown_line(text: str) -> str:
    """Text that cannot be refused (a file name from the seller's disk) made one shown line: each hidden
    character becomes a space, so a right-to-left override shows where it was; spaces run together."""
    return " ".join(_HIDDEN_CHARACTER.sub(" ", text).split())
