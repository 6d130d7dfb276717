"""Group the questions the knowledge base could not answer by their normalised wording.

Grouping is by normalised text (case, diacritics, punctuation and spacing ignored), not by embedding
similarity: it needs no call to the embedding server (busy with replies on small machines) and is
exact and explainable; "Czy wysyłacie do Niemiec?" and "czy wysylacie do niemiec" are one topic,
paraphrases are not.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from shared.ai.textnorm import fold

GROUPING = "normalised text"
TOP_TOPICS = 10
MAX_EXAMPLE_CHARS = 200
_NOT_WORD = re.compile(r"[\W_]+")


def normalise(question: str) -> str:
    return _NOT_WORD.sub(" ", fold(question)).strip()


def top_topics(questions_newest_first: Iterable[str], limit: int = TOP_TOPICS) -> list[tuple[str, int]]:
    """(the newest wording, how many questions) per topic, most asked first; ties by recency."""
    counts: Counter[str] = Counter()
    example: dict[str, str] = {}
    for question in questions_newest_first:
        key = normalise(question)
        if not key:
            continue
        counts[key] += 1
        example.setdefault(key, question.strip()[:MAX_EXAMPLE_CHARS])
    # Counter.most_common keeps insertion order among equal counts, i.e. the most recent first.
    return [(example[key], count) for key, count in counts.most_common(limit)]
