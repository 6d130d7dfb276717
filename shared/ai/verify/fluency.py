"""Is a reply real text in the expected language? The share of its words a Hunspell dictionary knows.

Gibberish from a small model is mostly made of invented inflections ("wybrócie", "wysyłowie") that no
dictionary of the language contains, while real replies score 0.9–1.0. Words the evidence or the
customer used count as known (product names, the customer's own spelling). Dictionaries are the
Debian `hunspell-*` packages, read by spylls (pure Python); each is loaded once per process, on the
first reply in its language (~1–6 s), and shared by every thread.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DICTIONARY_DIR = Path("/usr/share/hunspell")
DICTIONARIES = {"pl": "pl_PL", "ro": "ro_RO", "hu": "hu_HU", "bg": "bg_BG", "en": "en_US"}
# Measured on the good and bad replies of tests/ai/verify/replies.py: good ones ≥ 0.93, gibberish ≤ 0.80.
MIN_KNOWN_SHARE = 0.88
# Fewer words than this say too little for a share; the other checks judge such a reply.
MIN_WORDS = 3
_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


class DictionaryMissing(RuntimeError):
    """The language's Hunspell dictionary is not installed (scripts/stack up installs them)."""


@dataclass(frozen=True, slots=True)
class Fluency:
    words: int
    known: int
    unknown: tuple[str, ...]

    @property
    def share(self) -> float:
        return self.known / self.words if self.words else 1.0

    @property
    def fluent(self) -> bool:
        return self.words < MIN_WORDS or self.share >= MIN_KNOWN_SHARE


_loaded: dict[str, Any] = {}
_lock = threading.Lock()


def _dictionary(language: str) -> Any:
    name = DICTIONARIES.get(language)
    if name is None:
        raise DictionaryMissing(f"no Hunspell dictionary configured for {language!r}")
    if name not in _loaded:
        with _lock:
            if name not in _loaded:
                path = DICTIONARY_DIR / name
                if not path.with_suffix(".dic").exists():
                    raise DictionaryMissing(f"{path}.dic is missing: apt-get install hunspell-{language}")
                from spylls.hunspell import Dictionary

                _loaded[name] = Dictionary.from_files(str(path))
    return _loaded[name]


def measure(text: str, language: str, *, also_known: str = "") -> Fluency:
    """How many of `text`'s words the `language` dictionary knows (words of `also_known` count as known)."""
    dictionary = _dictionary(language)
    familiar = {w.casefold() for w in _WORD.findall(also_known)}
    # Acronyms ("DPD", "LED") are names, judged by the fact check, not vocabulary.
    words = [w for w in _WORD.findall(text) if len(w) > 1 and not (w.isupper() and len(w) <= 6)]
    unknown = [w for w in words if w.casefold() not in familiar and not _known(dictionary, w)]
    return Fluency(len(words), len(words) - len(unknown), tuple(unknown))


def _known(dictionary: Any, word: str) -> bool:
    if dictionary.lookup(word):
        return True
    # Sentence-initial capitals and all-capitals are spelling, not vocabulary.
    return word[0].isupper() and dictionary.lookup(word.lower())


def warm_up(languages: tuple[str, ...] = ("pl",)) -> None:
    """Load dictionaries now (a worker's start), not on the first customer message."""
    for language in languages:
        try:
            _dictionary(language)
        except DictionaryMissing:
            pass
