"""Content words as crude stems (folded prefixes): enough to tell whether two texts talk about the same
things across Polish inflection ("wysyłka", "wysyłki", "wysyłamy" → "wysyl"; "zwrot", "zwrócić" → "zwro";
"rama", "ramę" → "ram"). A short word keeps a shorter prefix, so its inflected forms still meet."""

from __future__ import annotations

import re

from shared.ai.textnorm import fold

STEM_CHARS = 5
MIN_WORD_CHARS = 4
_WORD = re.compile(r"[^\W\d_]+")
_SMALL_NUMBER = re.compile(r"(?<![\d.,])\d{1,4}(?![\d])")
_ACRONYM = re.compile(r"(?<!\w)(?:[A-Z]{2,3}|[a-z][A-Z])(?!\w)")
# Frequent words of questions and replies that say nothing about the topic (stems, folded).
_FUNCTION_STEMS = frozenset({
    # pl
    "dzien", "dobry", "dobre", "witam", "prosz", "pytan", "chcia", "chcial", "mozna", "mozec", "bedzi", "ktory",
    "ktora", "ktore", "jakie", "jakis", "jaka", "macie", "maja", "mamy", "jest", "sa", "tego", "tylko", "takze",
    "rowni", "gdzie", "kiedy", "dlacz", "ile", "czy", "jesli", "jezel", "oraz", "przez", "sklep", "panst", "pani",
    "pana", "dziek", "pozdr", "bardz", "jeszc", "juz", "teraz", "moge", "mozem", "wasze", "waszy", "wasz",
    "naszy", "nasze", "nasza", "swoje", "tych", "jako", "wiec", "zeby", "aby", "albo", "lub", "nie", "tak",
    "oczyw", "infor", "odpow", "klien", "wiado", "sprze", "zakup", "produ", "towar", "zamow",
    # en
    "hello", "thank", "pleas", "would", "could", "there", "about", "what", "when", "where", "which", "your",
    "have", "does", "will", "with", "this", "that", "from", "they", "them", "know", "want", "like",
    # ro, hu, bg
    "buna", "multu", "pentr", "este", "sunt", "care", "cand", "unde", "daca", "acest", "poate", "vreau",
    "szia", "koszo", "lehet", "van", "mikor", "hogy", "kerem", "здрав", "благо", "може", "кога", "какво", "дали",
    # question-asking words and the cost of something (the amount answers it), added from the train
    # split's held covered questions (bench.answer_eval --split train --model worst-case --misses)
    "jaki", "jakie", "jakic", "jakim", "jakas", "trzeb", "musze", "moge", "czym", "zrobi", "znajd", "dosta",
    "wybra", "potrz", "chce", "chcem", "koszt", "mozli", "dzis", "dzisi", "moja", "moje", "mojej", "przy", "trwa",
    "trwaj",
    # the passive auxiliary ("czy zamówienie zostało wysłane", "zwrot został wykonany"): the participle
    # after it carries the topic (added with the order questions, bench.order_eval)
    "zosta",
    "ziua", "cate", "ceva", "dintr", "intr", "unei", "unui", "trebu", "alta", "costa", "poti", "putet", "aveti",
    "much", "many", "need", "shoul", "cost", "costs", "menny", "kell", "milye", "колко", "има",
})


def _stem(word: str) -> str:
    if len(word) <= 3:
        return word
    # Polish alternates a stem's last consonant ("zwrot" → "zwrocie", "rama" → "ramie"): words up to
    # seven letters keep four, so their forms still meet.
    return word[:3] if len(word) == 4 else word[:4] if len(word) <= 7 else word[:STEM_CHARS]


def content_words(text: str) -> set[str]:
    """Folded words that carry the topic: long words that are not function words, acronyms ("SPF",
    "pH", "USB") and numbers up to four digits ("a 200 x 300 cm rug" is not "rugs up to 160 x 230 cm";
    longer digit runs are order numbers, not the topic)."""
    words = {w for w in _WORD.findall(fold(text)) if len(w) >= MIN_WORD_CHARS and w[:STEM_CHARS] not in _FUNCTION_STEMS}
    return words | {fold(a) for a in _ACRONYM.findall(text)} | set(_SMALL_NUMBER.findall(text))


def content_stems(text: str) -> set[str]:
    """Every prefix a content word of `text` can be met by (3, 4 and 5 letters)."""
    return {w[:n] for w in content_words(text) for n in (3, 4, STEM_CHARS) if n <= len(w)} | {
        w for w in content_words(text) if len(w) < 3}


def shared_words(text: str, other: str) -> set[str]:
    """The content words of `text` whose stem occurs among `other`'s."""
    stems = content_stems(other)
    return {w for w in content_words(text) if _stem(w) in stems}


def coverage(question: str, evidence: str) -> float:
    """The share of the question's content words whose stem occurs in the evidence (1.0 when it has none)."""
    asked = content_words(question)
    if not asked:
        return 1.0
    return len(shared_words(question, evidence)) / len(asked)


_SEGMENT = re.compile(r"(?<=[.!?;])\s+|\n+|\s+[-–•*]\s+|\s*\(\s*")


def quoted_coverage(question: str, quotes: str) -> float:
    """`coverage`, counting a question word only where it stands in a sentence (or list item) of the
    quotes that holds at least two of the question's words, or all of them: a section that mentions
    every word somewhere ("smarowanie łańcucha" … "wymiana dętki z robocizną") does not answer
    "wymiana łańcucha z robocizną"."""
    asked = content_words(question)
    if not asked:
        return 1.0
    covered: set[str] = set()
    for segment in _SEGMENT.split(quotes):
        found = shared_words(question, segment)
        if len(found) >= min(2, len(asked)):
            covered |= found
    return len(covered) / len(asked)
