"""Splits extracted sections into overlapping chunks along paragraph and sentence boundaries."""

from __future__ import annotations

import re
from dataclasses import dataclass

from shared.knowledge.extraction import Section

SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass(frozen=True, slots=True)
class Chunk:
    index: int
    heading: str
    text: str
    page: int | None

    @property
    def embedding_text(self) -> str:
        # The heading gives a short paragraph its topic ("Zwroty" + "14 dni od dostawy").
        return f"{self.heading}\n{self.text}" if self.heading else self.text


def _pieces(text: str, max_chars: int) -> list[str]:
    """Paragraphs, with any paragraph over max_chars split at sentences (or hard, as a last resort)."""
    pieces: list[str] = []
    for paragraph in re.split(r"\n\s*\n", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        if len(paragraph) <= max_chars:
            pieces.append(paragraph)
            continue
        for sentence in SENTENCE_END.split(paragraph):
            while len(sentence) > max_chars:
                pieces.append(sentence[:max_chars])
                sentence = sentence[max_chars:]
            if sentence:
                pieces.append(sentence)
    return pieces


def _tail(text: str, overlap_chars: int) -> str:
    if overlap_chars <= 0 or len(text) <= overlap_chars:
        return text if overlap_chars > 0 else ""
    tail = text[-overlap_chars:]
    # Start the overlap at a word boundary so the next chunk does not begin mid-word.
    space = tail.find(" ")
    return tail[space + 1:] if 0 <= space < len(tail) - 1 else tail


def chunk_sections(sections: list[Section], *, max_chars: int = 1000,
                   overlap_chars: int = 150) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        current = ""
        for piece in _pieces(section.text, max_chars):
            candidate = f"{current}\n\n{piece}" if current else piece
            if len(candidate) <= max_chars or not current:
                current = candidate
                continue
            chunks.append(Chunk(len(chunks), section.heading, current, section.page))
            overlap = _tail(current, overlap_chars)
            current = f"{overlap} {piece}" if overlap else piece
        if current.strip():
            chunks.append(Chunk(len(chunks), section.heading, current, section.page))
    return chunks
