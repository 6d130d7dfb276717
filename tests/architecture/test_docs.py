"""docs/architecture.md, the README and every docs/ page send a newcomer only to places that exist (issues 15, 23)."""

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


# --- README and docs/ pages (issue 23): the README stays short, every moved section is linked, and
# no link or repository path in them points nowhere.

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "bench" / "README.md"]
_LINK = re.compile(r"\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} (.+)$", re.M)
_FENCE = re.compile(r"^```.*?^```", re.M | re.S)


def anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces become hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def anchors(page) -> set[str]:
    return {anchor(h) for h in _HEADING.findall(_FENCE.sub("", page.read_text()))}


def broken_links(page) -> list[str]:
    broken = []
    for target in _LINK.findall(_FENCE.sub("", page.read_text())):
        if re.match(r"[a-z]+:", target):
            continue
        path, _, fragment = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(target)
        elif fragment and linked.suffix == ".md" and fragment not in anchors(linked):
            broken.append(target)
    return broken


def test_every_link_in_the_readme_and_docs_reaches_a_file_and_heading():
    broken = {page.name: links for page in PAGES if (links := broken_links(page))}
    assert not broken, broken


def test_every_repository_path_the_docs_name_exists():
    # A reference whose first folder is one of the repository's is a place in it; URL paths
    # (`/function/health/`) and paths inside other trees (`wheels/` of the build cache) are not.
    top = {p.name for p in ROOT.iterdir()}
    missing = {page.name: gone for page in PAGES
               if (gone := [path for path, _ in references(page.read_text())
                            if "/" in path.rstrip("/") and path.split("/", 1)[0] in top
                            and not (ROOT / path).exists()])}
    assert not missing, missing


def test_the_readme_is_short_and_links_every_docs_page():
    readme = (ROOT / "README.md").read_text()
    assert len(readme.splitlines()) < 200
    unlinked = [page.name for page in (ROOT / "docs").glob("*.md") if f"](docs/{page.name}" not in readme]
    assert not unlinked, unlinked


def test_the_link_checker_catches_a_wrong_anchor(tmp_path):
    page = tmp_path / "page.md"
    page.write_text("# A title — with a dash\n\n[ok](#a-title--with-a-dash) [bad](#nowhere) [gone](x.md)\n")
    assert broken_links(page) == ["#nowhere", "x.md"]
