"""Fact-like tokens of a reply — numbers with their units, dates, hours, codes, names, links, contacts.

A reply may state a fact only if the evidence it was given states it too (the quoted knowledge, the
customer's own words). Facts are compared as values: "1 000 zł" and "1000 zł" are one fact, "149 zł"
and "149 dni" are two (the number is there, the thing it counts is not).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from shared.ai.policy_patterns import TLDS
from shared.ai.textnorm import fold

# Unit words (folded, as a prefix of the word after the number) → what the number counts.
_UNIT_CLASSES = {
    "money": ("zl", "pln", "zloty", "zlot", "gr", "grosz", "eur", "euro", "€", "$", "usd", "lei", "lej", "ron",
              "ft", "huf", "forint", "лв", "лев", "bgn", "dolar", "dollar"),
    "duration": ("dni", "dzien", "dnia", "doba", "dob", "tydz", "tygod", "miesi", "mies", "rok", "lat", "godz",
                 "h", "min", "sek", "day", "week", "month", "year", "hour", "zile", "zi", "saptam", "luni", "ore",
                 "nap", "het", "honap", "ev", "ora", "perc", "ден", "дни", "седм", "месец", "год", "час",
                 "roboczy", "robocze", "roboczych", "business", "lucratoare"),
    "percent": ("%", "proc", "procent", "percent", "la suta", "szazalek", "процент"),
    "length": ("cm", "mm", "m", "km", "cal", "inch", "\""),
    "weight": ("kg", "g", "dag", "t", "lb"),
    "volume": ("ml", "l", "litr"),
    "power": ("w", "kw", "v", "mah", "wh", "ah", "hz"),
    "date": ("stycz", "lut", "marc", "kwiet", "maj", "czerw", "lip", "sierp", "wrze", "pazdzier", "listopad",
             "grud", "january", "february", "march", "april", "may", "june", "july", "august", "september",
             "october", "november", "december", "ianuarie", "februarie", "martie", "aprilie", "mai", "iunie",
             "iulie", "septembrie", "octombrie", "noiembrie", "decembrie"),
}
_UNIT_OF = sorted(((unit, kind) for kind, units in _UNIT_CLASSES.items() for unit in units),
                  key=lambda pair: -len(pair[0]))
# Spelled-out numbers a reply may use for a duration or an amount ("dwa tygodnie", "two weeks").
_NUMBER_WORDS = {
    "dwa": 2, "dwoch": 2, "dwie": 2, "trzy": 3, "trzech": 3, "cztery": 4, "czterech": 4, "piec": 5, "pieciu": 5,
    "szesc": 6, "siedem": 7, "osiem": 8, "dziewiec": 9, "dziesiec": 10, "czternascie": 14, "trzydziesci": 30,
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "ten": 10, "fourteen": 14, "thirty": 30,
    "doua": 2, "trei": 3, "patru": 4, "cinci": 5, "sapte": 7, "zece": 10, "paisprezece": 14, "treizeci": 30,
}

_NUMBER = re.compile(
    r"(?<![\w.,:])\d{1,2}:\d{2}(?![\d:])"  # an hour
    r"|(?<![\w.,])(?:\d{1,3}(?:[  .]\d{3})+(?![\d])|\d+)(?:[.,]\d+)?(?![\w])",
)
_POSTCODE = re.compile(r"(?<![\w-])\d{2}-\d{3}(?![\w-])")
_DATE = re.compile(r"(?<![\d.])\d{1,2}[./-]\d{1,2}[./-](?:\d{4}|\d{2})(?![\d])")
# The policy guard's list of top-level domains: one idea of what a bare "name.tld" link is.
_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"')\]]+|(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\."
                  rf"(?:{'|'.join(TLDS)})(?![\w@-])(?:/[^\s<>\"')\]]*)?", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w+])(?:\+|00)?\d{2,3}[\s-]?\d{3}[\s-]?\d{3}(?:[\s-]?\d{2,3})?(?![\d])")
# A code: letters and digits in one token ("XC-200", "A55", "M12x1.5"), or an all-capitals token ("XL", "LED").
_CODE = re.compile(r"(?<![\w-])(?=[\w-]*\d)(?=[\w-]*[^\W\d_])[\w]+(?:[-/][\w]+)*(?![\w-])|(?<![\w-])[A-ZĄĆĘŁŃÓŚŹŻ]{1,6}(?![\w-])")
_WORD = re.compile(r"[^\W\d_]+(?:[-'][^\W\d_]+)*")
_SENTENCE_END = re.compile(r"[.!?:;\n]\s*$")
# Capitalised words that are courtesy, not facts: "Pani", "Państwa", a greeting, the weekday-free openers.
_COURTESY = ("pan", "pani", "panstw", "szanown", "drog", "dzien", "dobry", "witam", "witaj", "pozdraw", "dziek",
             "hello", "dear", "thank", "best", "regards", "buna", "multum", "salut", "jo", "kedves", "koszon",
             "здравей", "благодар", "поздрав")
_WEEKDAYS = ("poniedzial", "wtor", "srod", "czwart", "piat", "sobot", "niedziel", "monday", "tuesday", "wednesday",
             "thursday", "friday", "saturday", "sunday", "luni", "marti", "miercuri", "joi", "vineri", "sambata",
             "duminica", "hetfo", "kedd", "szerda", "csutortok", "pentek", "szombat", "vasarnap")


@dataclass(frozen=True, slots=True)
class Fact:
    kind: str  # number | date | url | email | phone | code | name | weekday
    value: str  # canonical: what is compared
    unit: str | None  # for numbers: money, duration, percent, ... or None when bare
    text: str  # as the reply wrote it


def _canonical_number(raw: str) -> str:
    if ":" in raw:
        hours, minutes = raw.split(":")
        return f"{int(hours)}:{minutes}"
    digits = re.sub(r"[  ](?=\d{3}\b)", "", raw)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", digits):
        digits = digits.replace(".", "")  # "1.000" is a thousand in Polish writing
    digits = digits.replace(",", ".")
    if "." in digits:
        digits = digits.rstrip("0").rstrip(".")
    return digits.lstrip("0") or "0"


def _unit_after(folded: str, end: int) -> str | None:
    following = folded[end:end + 14].lstrip(" \u00a0-")
    if following.startswith(("%", "€", "$", "\"")):
        return _unit_kind(following[0])
    word = re.match(r"[^\W\d_]+\.?", following)
    if not word:
        return None
    return _unit_kind(word.group().rstrip("."))


def _unit_kind(word: str) -> str | None:
    for unit, kind in _UNIT_OF:
        if len(unit) <= 2 and word == unit:
            return kind
        if len(unit) > 2 and word.startswith(unit):
            return kind
    return None


def _unit_before(folded: str, start: int) -> str | None:
    before = folded[max(0, start - 4):start].rstrip(" \u00a0")
    return "money" if before.endswith(("€", "$", "ron", "eur", "pln")) else None


def extract(text: str) -> list[Fact]:
    """Every fact-like token of `text`, in order of appearance (a date is not also three numbers)."""
    facts: list[Fact] = []
    taken: list[tuple[int, int]] = []
    folded = fold(text)

    def free(start: int, end: int) -> bool:
        return not any(start < e and s < end for s, e in taken)

    def add(kind: str, value: str, unit: str | None, span: tuple[int, int]) -> None:
        taken.append(span)
        facts.append(Fact(kind, value, unit, text[span[0]:span[1]]))

    for match in _EMAIL.finditer(text):
        add("email", match.group().lower(), None, match.span())
    for match in _URL.finditer(text):
        if free(*match.span()):
            add("url", match.group().lower().rstrip(".,;").removeprefix("https://").removeprefix("http://")
                .removeprefix("www."), None, match.span())
    for match in _DATE.finditer(text):
        if free(*match.span()):
            day, month, year = re.split(r"[./-]", match.group())
            add("date", f"{int(day)}.{int(month)}.{year[-2:]}", None, match.span())
    for match in _POSTCODE.finditer(text):
        if free(*match.span()):
            add("code", match.group(), None, match.span())
    for match in _PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if len(digits) >= 9 and free(*match.span()):
            add("phone", digits[-9:], None, match.span())
    for match in _NUMBER.finditer(text):
        if free(*match.span()):
            unit = _unit_after(folded, match.end()) or _unit_before(folded, match.start())
            add("number", _canonical_number(match.group()), unit, match.span())
    for match in _CODE.finditer(text):
        token = match.group()
        if not free(*match.span()) or (len(token) == 1 and _sentence_start(text, match.start())):
            continue
        if token.isdigit() or token in ("I", "OK", "A", "O"):
            continue
        add("code", token.casefold(), None, match.span())
    for match in _WORD.finditer(text):
        word, start = match.group(), match.start()
        folded_word = folded[start:match.end()]
        if not free(start, match.end()):
            continue
        if folded_word.startswith(_WEEKDAYS):
            add("weekday", next(w for w in _WEEKDAYS if folded_word.startswith(w)), None, match.span())
        elif (word[0].isupper() and len(word) > 1 and not _sentence_start(text, start)
              and not folded_word.startswith(_COURTESY) and not _after_courtesy(folded, start)):
            add("name", folded_word, None, match.span())
    for match in _WORD.finditer(folded):
        value = _NUMBER_WORDS.get(match.group())
        unit = _unit_after(folded, match.end()) if value else None
        if value and unit and free(*match.span()):
            add("number", str(value), unit, match.span())
    return facts


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\"'„«(")
    return not before or before[-1] in ".!?:;\n-–•*"


def _after_courtesy(folded: str, start: int) -> bool:
    previous = re.findall(r"[^\W\d_]+", folded[max(0, start - 20):start])
    return bool(previous) and previous[-1].startswith(_COURTESY)


@dataclass(frozen=True, slots=True)
class FactIndex:
    """What a body of evidence states, for looking facts up."""

    numbers: dict[str, set[str | None]]
    others: set[tuple[str, str]]
    folded_text: str

    @classmethod
    def of(cls, texts: Iterable[str]) -> FactIndex:
        numbers: dict[str, set[str | None]] = {}
        others: set[tuple[str, str]] = set()
        joined = "\n".join(texts)
        for fact in extract(joined):
            if fact.kind == "number":
                numbers.setdefault(fact.value, set()).add(fact.unit)
            else:
                others.add((fact.kind, fact.value))
        return cls(numbers, others, " ".join(fold(joined).split()))

    def supports(self, fact: Fact) -> bool:
        if fact.kind == "number":
            units = self.numbers.get(fact.value)
            if units is None:
                return False
            # A bare number on either side is not contradicted; two different units are.
            return fact.unit is None or None in units or fact.unit in units
        if (fact.kind, fact.value) in self.others:
            return True
        if fact.kind in ("name", "code", "weekday"):
            # A name may be declined ("InPostem", "Krakowie"): its stem occurring in the evidence counts.
            stem = fold(fact.value)[: max(4, len(fact.value) - 3)] if fact.kind == "name" else fold(fact.value)
            return re.search(rf"(?<!\w){re.escape(stem)}", self.folded_text) is not None
        return False


def unsupported(reply: str, evidence: FactIndex) -> list[Fact]:
    """The reply's facts the evidence does not state."""
    return [fact for fact in extract(reply) if not evidence.supports(fact)]
