"""Order numbers a customer typed: never looked up, only compared with the conversation's own order.

A number counts when it follows an order word ("zamówienie nr 12345", "order #AB-1234", "zamówienia
123 innego klienta"), or has a platform's own shape wherever it stands (Amazon 123-1234567-1234567,
an Allegro checkout form UUID). Amounts and quantities after the word are not orders ("zamówienie
za 150 zł", "zamówienie 2 szt."), nor is a token without three digits.
"""

from __future__ import annotations

import re

from shared.ai.textnorm import fold

MAX_MENTIONS = 5
_ORDER_WORD = (r"(?:zamowien\w*|zamowil\w*|order\w*|comand\w*|comenzi\w*|rendeles\w*|megrendeles\w*|"
               r"поръчк\w*|transakcj\w*|zakup\w*)")
_CONNECTOR = r"(?:\s*(?:nr\.?|numer\w*|no\.?|number|#|:|-|id|o numerze|z numerem|numarul|szam\w*|номер))*"
_TOKEN = r"#?([a-z0-9][a-z0-9-]{1,62}[a-z0-9])"
_AFTER_WORD = re.compile(rf"(?<!\w){_ORDER_WORD}{_CONNECTOR}\s*{_TOKEN}(?![\w-])(?!\s*(?:zl|pln|szt|sztuk|%|eur|lei|ron))")
_SHAPED = re.compile(r"(?<![\w-])(\d{3}-\d{7}-\d{7}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?![\w-])")
_DIGITS = re.compile(r"\d")


def normalised(order_id: str) -> str:
    return fold(order_id.strip().lstrip("#"))


def order_mentions(text: str) -> list[str]:
    """The order numbers in `text` (folded, in order of appearance, at most MAX_MENTIONS)."""
    folded = fold(text)
    found: list[str] = []
    for match in [*_AFTER_WORD.finditer(folded), *_SHAPED.finditer(folded)]:
        token = match.group(1)
        if len(_DIGITS.findall(token)) >= 3 and token not in found:
            found.append(token)
    return found[:MAX_MENTIONS]


def foreign_mentions(text: str, own_order_id: str | None) -> list[str]:
    """Order numbers in `text` that are not the conversation's own order (all of them when it has none)."""
    own = normalised(own_order_id) if own_order_id else None
    return [m for m in order_mentions(text) if m != own]


# "my parcel / my order / my return / my payment": the customer asks about their own order, which
# only the order (not the seller's general knowledge) can answer.
_OWN_ORDER = re.compile(r"(?<!\w)(?:moj\w*|mnie|me|my)\s+(?:\w+\s+)?(?:paczk\w*|przesylk\w*|zamowieni\w*|zwrot\w*|"
                        r"platnos\w*|kurier\w*|order|parcel|package|refund|comand\w*|colet\w*)")


def asks_about_own_order(text: str, intent: str | None = None) -> bool:
    return intent == "order_status" or _OWN_ORDER.search(fold(text)) is not None
