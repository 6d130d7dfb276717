"""Pieces of the prompt in a reply: our tags, sentences of our instructions, document titles and file names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from shared.ai.textnorm import fold

# Four words in a row from the instructions, not also in the evidence, are an echo, not a coincidence.
SHINGLE_WORDS = 4
_TAG = re.compile(r"</?\s*(?:wiedza|klient|zamowienie|zamówienie|knowledge|customer|system|user|assistant|instruc\w*|context|quotes?)\s*>"
                  r"|\[/?(?:INST|SYS)\]|<\|[a-z_]+\|>|^\s*(?:system|user|assistant)\s*:", re.IGNORECASE | re.MULTILINE)
_FILE_NAME = re.compile(r"(?<![\w/])[\w\-ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]+\.(?:md|txt|pdf|docx?|html?|csv|json|xlsx?|odt|rtf)\b",
                        re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _shingles(words: list[str]) -> set[tuple[str, ...]]:
    return {tuple(words[i:i + SHINGLE_WORDS]) for i in range(len(words) - SHINGLE_WORDS + 1)}


def find_echo(reply: str, *, instructions: Iterable[str], titles: Iterable[str], evidence: str) -> str | None:
    """The first piece of the prompt `reply` repeats, or None. `evidence`: what it may repeat freely."""
    instructions = list(instructions)
    if tag := _TAG.search(reply):
        return tag.group().strip()
    # The whole reply copied out of the instructions, however short: the local model fills the JSON
    # with the prompt's own example ("odpowiedź dla klienta").
    words = " ".join(_words(reply))
    if len(words) >= 8 and words in " ".join(_words("\n".join(instructions))) and words not in " ".join(_words(evidence)):
        return reply.strip()
    if name := _FILE_NAME.search(reply):
        if fold(name.group()) not in fold(evidence):
            return name.group()
    folded_reply = fold(reply)
    for title in titles:
        folded_title = fold(title).strip()
        # A title used as a label ("Zwroty: …", "[2] Zwroty") is the prompt's layout; the word alone is fine.
        if len(folded_title) >= 3 and re.search(
                rf"(?:^|[\n.!?]\s*|\[\d+\]\s*){re.escape(folded_title)}\s*:", folded_reply):
            return title
    allowed = _shingles(_words(evidence))
    reply_words = _words(reply)
    echoed = (_shingles(_words("\n".join(instructions))) - allowed) & _shingles(reply_words)
    if echoed:
        first = min(echoed, key=lambda s: _position(reply_words, s))
        return " ".join(first)
    return None


def _position(words: list[str], shingle: tuple[str, ...]) -> int:
    for i in range(len(words) - SHINGLE_WORDS + 1):
        if tuple(words[i:i + SHINGLE_WORDS]) == shingle:
            return i
    return len(words)
