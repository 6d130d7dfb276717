"""docs/architecture.md sends a newcomer only to places that exist (issue 15)."""

from __future__ import annotations

import re

from tests.architecture.imports import ROOT

DOC = ROOT / "docs" / "architecture.md"
# `path`, `path/` or `path:name` in backticks; a path has a slash or a file ending. Templates
# (`functions/<name>/handler.py`) are examples, not places.
_REFERENCE = re.compile(r"`([\w./-]+(?:/|\.(?:py|md|toml|yml|yaml|json)))(?::(\w+))?`")


def references(text: str) -> list[tuple[str, str | None]]:
    return [(path, name or None) for path, name in _REFERENCE.findall(text)]


def test_every_path_the_architecture_page_names_exists():
    found = references(DOC.read_text())
    assert len(found) >= 30, "the page should point to the places it describes"
    missing = [path for path, _ in found if not (ROOT / path).exists()]
    assert not missing, missing


def test_every_name_it_gives_is_defined_in_that_file():
    wrong = [f"{path}:{name}" for path, name in references(DOC.read_text())
             if name and not re.search(rf"^\s*(?:async def|def|class)\s+{name}\b|^{name}\b\s*[:=]",
                                       (ROOT / path).read_text(), re.M)]
    assert not wrong, wrong


def test_the_reader_catches_a_wrong_reference():
    assert references("see `shared/nowhere.py:thing`, `shared/http/` and `<name>/x.py`") == [
        ("shared/nowhere.py", "thing"), ("shared/http/", None)]
    assert not (ROOT / "shared/nowhere.py").exists()
