"""Order numbers in a customer's words: found after an order word or by a platform's shape, never amounts."""

from __future__ import annotations

import pytest

from shared.ai.order_mentions import foreign_mentions, order_mentions

FORM = "29a0f2c4-1b2e-11ef-9b1a-0242ac120002"


@pytest.mark.parametrize("text, found", [
    ("status zamówienia 123 innego klienta", ["123"]),
    (f"Gdzie jest moje zamówienie nr {FORM}?", [FORM]),
    ("Zamówienie #AB-12345 nie dotarło", ["ab-12345"]),
    ("Order: 171-1234567-7654321", ["171-1234567-7654321"]),
    ("mam pytanie o 402-3948572-1129384", ["402-3948572-1129384"]),
    ("Comanda nr. 412345678", ["412345678"]),
    ("zamówienie za 150 zł", []),
    ("zamówiłem 2 szt.", []),
    ("zamówienie 150 zł", []),
    ("Gdzie moja paczka? Mój telefon 600 100 200", []),
    ("Zamówienie złożone wczoraj", []),
])
def test_order_numbers_in_text(text, found):
    assert order_mentions(text) == found


def test_the_conversations_own_order_is_not_foreign():
    assert foreign_mentions(f"zamówienie {FORM.upper()}", FORM) == []
    assert foreign_mentions(f"zamówienie {FORM} i zamówienie 77712", FORM) == ["77712"]
    assert foreign_mentions("zamówienie 77712", None) == ["77712"]
