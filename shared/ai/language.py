"""The customer's language (pl, ro, bg, hu, en): a statistical detector guarded by script, diacritics and length.

Short or content-free messages ("ok", "dzięki", an order number, an emoji) say nothing about the
language, so they keep the conversation's previous language, or Polish when there is none. The
detector (lingua, restricted to the five languages) is built once per process, on first use.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

DEFAULT_LANGUAGE = "pl"
LANGUAGES = ("pl", "ro", "bg", "hu", "en")

# Appended to the reply prompt; English first (small models follow it best), then the target language.
REPLY_INSTRUCTIONS = {
    "pl": "Answer in Polish. Odpowiedz po polsku.",
    "ro": "Answer in Romanian. Răspunde în limba română.",
    "bg": "Answer in Bulgarian. Отговори на български език.",
    "hu": "Answer in Hungarian. Válaszolj magyarul.",
    "en": "Answer in English.",
}
LANGUAGE_NAMES_PL = {
    "pl": "polski", "ro": "rumuński", "bg": "bułgarski", "hu": "węgierski", "en": "angielski",
}

# Below these a message is too short to overturn the conversation's language on statistics alone.
MIN_LETTERS = 6
MIN_LETTERS_TO_SWITCH = 16
MIN_CONFIDENCE = 0.5
MIN_CONFIDENCE_TO_SWITCH = 0.8
MAX_CHARS = 1000  # the beginning of a message says enough about its language

# Letters that, among our five languages, only one of them uses.
_MARKERS = {
    "pl": frozenset("ąęłńśźżć"),
    "ro": frozenset("ăâîșşțţ"),
    "hu": frozenset("őűáéíúöü"),
}
_NOISE = re.compile(
    r"(?:https?://|www\.)\S+|(?<!\S)\S+@\S+|(?<![#\w-])[#\w-]*\d[\w/-]*",  # links, e-mails, order numbers
    re.IGNORECASE,
)
_LETTER = re.compile(r"[^\W\d_]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")


@dataclass(frozen=True, slots=True)
class Detection:
    language: str
    confidence: float  # 0 when the language is a fallback, not something the text showed
    fallback: bool = False


def detect_language(text: str, previous: str | None = None) -> str:
    """The ISO code of the language to answer in; see `detect` for the confidence."""
    return detect(text, previous).language


def detect(text: str, previous: str | None = None) -> Detection:
    fallback = previous if previous in LANGUAGES else DEFAULT_LANGUAGE
    content = _NOISE.sub(" ", (text or "")[:MAX_CHARS])
    letters = _LETTER.findall(content)
    if len(letters) < 2:
        return Detection(fallback, 0.0, fallback=True)
    lowered = "".join(letters).lower()
    cyrillic = len(_CYRILLIC.findall(lowered))
    if cyrillic * 2 > len(lowered):
        return Detection("bg", 0.99)

    marked = _marked_language(lowered)
    if len(letters) < MIN_LETTERS:
        return Detection(marked, 0.9) if marked else Detection(fallback, 0.0, fallback=True)

    language, confidence = _statistical(content)
    if marked and marked != language:
        # Diacritics the detector's winner never uses outweigh its n-gram statistics on short text.
        if len(letters) < MIN_LETTERS_TO_SWITCH or confidence < MIN_CONFIDENCE_TO_SWITCH:
            return Detection(marked, 0.9)
    if marked == language:
        return Detection(language, max(confidence, 0.9))
    switching = previous in LANGUAGES and previous != language
    if switching and (len(letters) < MIN_LETTERS_TO_SWITCH or confidence < MIN_CONFIDENCE_TO_SWITCH):
        return Detection(fallback, confidence, fallback=True)
    if confidence < MIN_CONFIDENCE:
        return Detection(fallback, confidence, fallback=True)
    return Detection(language, confidence)


def _marked_language(letters: str) -> str | None:
    counts = {lang: sum(ch in marks for ch in letters) for lang, marks in _MARKERS.items()}
    best = max(counts, key=counts.__getitem__)
    if counts[best] == 0 or list(counts.values()).count(counts[best]) > 1:
        return None
    return best


_detector: Any = None
_detector_lock = threading.Lock()


def _statistical(text: str) -> tuple[str, float]:
    values = _get_detector().compute_language_confidence_values(text)
    if not values:
        return DEFAULT_LANGUAGE, 0.0
    top = values[0]
    return _CODES[top.language.iso_code_639_1.name.lower()], float(top.value)


_CODES = {code: code for code in LANGUAGES}


def _get_detector() -> Any:
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder

                _detector = LanguageDetectorBuilder.from_languages(
                    Language.POLISH, Language.ROMANIAN, Language.BULGARIAN,
                    Language.HUNGARIAN, Language.ENGLISH,
                ).build()
    return _detector


def warm_up() -> None:
    """Load the detector's models now (a worker's start), not on the first customer message."""
    _statistical("dzień dobry")
