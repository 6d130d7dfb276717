"""A document's file name and title, cleaned rather than refused (a file name comes from the seller's disk),
hold none of the characters a shown name may not (Cc, Cf, Zl, Zp; shared/infra/shown_text.py): each becomes
a space. Before, the cleaning knew only C0/C1 controls and direction marks, so a zero-width space, a soft
hyphen, a word joiner, a BOM or tag characters stayed, and two documents could look alike."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from shared.infra.shown_text import HIDDEN_CATEGORIES, is_one_shown_line
from shared.knowledge.service import display_filename, display_title

HIDDEN = [chr(code) for code in range(sys.maxunicode + 1) if unicodedata.category(chr(code)) in HIDDEN_CATEGORIES]


def test_every_hidden_character_becomes_a_space_in_a_file_name_and_a_title():
    kept = [f"U+{ord(char):04X}" for char in HIDDEN
            if display_filename(f"Cennik{char}2026.pdf") != "Cennik 2026.pdf"
            or display_title(f"Cennik{char}2026") != "Cennik 2026"]
    assert not kept, kept[:20]


@pytest.mark.parametrize("name", ["Regu\u00adlamin.pdf", "Skl\u200bep.txt", "\ufeffcennik.txt",
                                  "faktura\u202etxt.exe", "Cennik\u2028\u2029.txt", "Flaga\U000e0067\U000e0062.txt"],
                         ids=ascii)
def test_disguised_names_come_out_as_one_shown_line(name):
    assert is_one_shown_line(display_filename(name)) and is_one_shown_line(display_title(name))


def test_names_people_write_stay_as_they_are():
    for name in ("Regulamin zwrotów (2026).pdf", "Cennik Łódź – hurt.xlsx", "متجر.txt", "Sklep 🛒.md"):
        assert display_filename(name) == name and display_title(name) == name
    assert display_title("\u200b\u2028") is None and display_filename("\u200b") == "document"
