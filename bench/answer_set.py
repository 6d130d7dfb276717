"""The labelled answer set (bench/data/answers): shops with their documents, and questions with the
key facts a correct answer must contain.

    from bench.answer_set import load_shops, load_questions, fact_found
    shops = load_shops()                      # {slug: Shop}
    questions = load_questions("train")       # "train" | "test" | "all"
    fact_found("14 dni|dwa tygodnie", reply)  # does the reply carry this key fact?

The test split is frozen (bench/data/answers/FROZEN.sha256, checked by `frozen_split_intact()` and
tests/bench/test_answer_set.py): never tune on it. Stdlib + msgspec only, no servers.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Literal

import msgspec

ROOT = Path(__file__).resolve().parent / "data" / "answers"
SHOPS_DIR = "shops"
FILES = {"train": "questions_train.jsonl", "test": "questions_test.jsonl"}
FROZEN = "FROZEN.sha256"

Kind = Literal["covered", "not_covered", "needs_person"]
Split = Literal["train", "test", "all"]


class Document(msgspec.Struct, frozen=True):
    title: str  # the first "# " heading of the file (the file name when it has none)
    filename: str
    text: str


class Shop(msgspec.Struct, frozen=True):
    slug: str
    name: str
    language: str
    platform: Literal["allegro", "emag", "olx", "amazon", "generic"]
    documents: list[Document]

    def knowledge(self) -> str:
        """Every document's text, one after another (what key facts are checked against)."""
        return "\n\n".join(d.text for d in self.documents)


class Question(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    id: str
    shop: str
    language: str
    kind: Kind
    text: str
    key_facts: list[str] = []  # JSON "keyFacts": each a string of "|"-separated acceptable forms


class _ShopFile(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    language: str
    platform: Literal["allegro", "emag", "olx", "amazon", "generic"]


def _title(text: str, filename: str) -> str:
    for line in text.splitlines():
        if line.startswith("# "):
            return line[2:].strip()
    return filename


def load_shops(root: Path = ROOT) -> dict[str, Shop]:
    """Every shop under `root`/shops: its shop.json and its .md documents (sorted by file name)."""
    shops: dict[str, Shop] = {}
    for folder in sorted(p for p in (Path(root) / SHOPS_DIR).iterdir() if p.is_dir()):
        meta = msgspec.json.decode((folder / "shop.json").read_bytes(), type=_ShopFile)
        documents = []
        for path in sorted(folder.glob("*.md")):
            text = path.read_text(encoding="utf-8")
            documents.append(Document(title=_title(text, path.name), filename=path.name, text=text))
        shops[folder.name] = Shop(slug=folder.name, name=meta.name, language=meta.language,
                                  platform=meta.platform, documents=documents)
    return shops


def load_questions(split: Split = "all", root: Path = ROOT) -> list[Question]:
    """The questions of one split ("train", "test") or of both ("all": train first, then test)."""
    names = [FILES["train"], FILES["test"]] if split == "all" else [FILES[split]]
    decoder = msgspec.json.Decoder(Question)
    questions: list[Question] = []
    for name in names:
        for number, line in enumerate((Path(root) / name).read_bytes().splitlines(), 1):
            if line.strip():
                try:
                    questions.append(decoder.decode(line))
                except msgspec.ValidationError as exc:
                    raise ValueError(f"{name}:{number}: {exc}") from None
    return questions


def split_sha256(root: Path = ROOT) -> str:
    return hashlib.sha256((Path(root) / FILES["test"]).read_bytes()).hexdigest()


def frozen_split_intact(root: Path = ROOT) -> bool:
    """Is questions_test.jsonl byte for byte the file whose sha256 FROZEN.sha256 records?"""
    frozen = (Path(root) / FROZEN).read_text().split()
    return bool(frozen) and frozen[0].lower() == split_sha256(root)


# --- key facts -------------------------------------------------------------------------------------

_SPACE = re.compile(r"[\s\u00a0\u2007\u202f\u2009\u200a]+")
_DASH = re.compile(r"[\u2010-\u2015\u2212]")  # hyphens, en/em dashes, minus → "-"
_DECIMAL_COMMA = re.compile(r"(?<=\d),(?=\d)")
_THOUSANDS_SPACE = re.compile(r"(?<=\d) (?=\d{3}(?!\d))")  # "10 000" → "10000" (after _SPACE)


def normalise(text: str) -> str:
    """Casefolded, whitespace (non-breaking and thin spaces too) collapsed to one space, dashes
    unified, a decimal comma written as a dot, digit groups joined ("1 299,00" → "1299.00")."""
    text = _SPACE.sub(" ", text.casefold()).strip()
    text = _DASH.sub("-", text)
    text = _DECIMAL_COMMA.sub(".", text)
    return _THOUSANDS_SPACE.sub("", text)


def _number_continues(text: str, i: int, step: int) -> bool:
    """Does a number go on at text[i] (a digit, or a decimal separator followed by a digit)?"""
    if not 0 <= i < len(text):
        return False
    if text[i].isdigit():
        return True
    j = i + step
    return text[i] == "." and 0 <= j < len(text) and text[j].isdigit()


def _occurs(form: str, text: str) -> bool:
    """`form` occurs in `text` (both normalised) at a word start and not inside a longer number:
    "15 zł" is not in "115 zł", "14" not in "140" or "1.4" (but "15" is in "15zł"); a short form
    ("L", "XL", "M": three characters or fewer) must be a whole word. Longer forms may end inside a
    word, so "darmow" matches "darmowa" and "darmowy"."""
    whole_word = len(form) <= 3
    start = text.find(form)
    while start >= 0:
        end = start + len(form)
        ok = True
        if form[0].isalnum() and start > 0:
            ok = not text[start - 1].isalnum() and not (
                form[0].isdigit() and _number_continues(text, start - 1, -1))
        if ok and end < len(text):
            if form[-1].isdigit():
                ok = not _number_continues(text, end, 1)
            elif whole_word and form[-1].isalnum():
                ok = not text[end].isalnum()
        if ok:
            return True
        start = text.find(form, start + 1)
    return False


def fact_found(fact: str, text: str) -> bool:
    """Does `text` contain the key fact: any of its "|"-separated forms, after `normalise` of both?"""
    haystack = normalise(text)
    return any(_occurs(form, haystack) for form in (normalise(f) for f in fact.split("|")) if form)
