"""The one-line pattern published for names refuses exactly the control, format and separator characters
(Cc, Cf, Zl, Zp) of Python's Unicode tables; a Python upgrade that adds some fails here first."""

from __future__ import annotations

import re
import sys
import unicodedata

from shared.infra.shown_text import HIDDEN_CATEGORIES, ONE_SHOWN_LINE, is_one_shown_line


def test_the_pattern_refuses_exactly_the_hidden_categories():
    one_line = re.compile(ONE_SHOWN_LINE)
    disagree = [f"U+{code:04X}" for code in range(sys.maxunicode + 1)
                if (one_line.search(chr(code)) is None) != (unicodedata.category(chr(code)) in HIDDEN_CATEGORIES)]
    assert not disagree, f"Unicode {unicodedata.unidata_version}: update shared/infra/shown_text.py for {disagree[:20]}"


def test_names_people_write_pass_and_disguised_ones_do_not():
    for name in ("Sklep Łódź – obsługa", "Ελληνικά & Co.", "متجر", "Sklep 🛒", ""):
        assert is_one_shown_line(name) and re.search(ONE_SHOWN_LINE, name), name
    for name in ("Sklep\r\nBcc: x@y.pl", "Sklep\n", "Sklep\u2028X", "Sklep\x85", "faktura\u202efdp.exe", "Sk\u200blep",
                 "Sklep\U000e0041"):
        assert not is_one_shown_line(name) and not re.search(ONE_SHOWN_LINE, name), ascii(name)
