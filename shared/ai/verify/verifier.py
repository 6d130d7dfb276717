"""The send verifier: deterministic checks of a structured answer before it may be approved.

A reply is sent by the AI alone only when every check passes; otherwise it is a draft held for a
person with the first failing reason (`REASONS` order) shown on the conversation and every finding
kept on the reply. Checks:
- quotes: each quoted sentence occurs in the evidence given to the model (case/whitespace/quote-mark
  insensitive); at least one is needed;
- facts: every number (with what it counts), date, hour, code, name, link, e-mail and phone of the
  reply occurs in the verified quotes or in the customer's own messages (`facts`);
- prompt echo: no tag, instruction sentence, document-title label or file name of the prompt (`echo`);
- language and fluency: the expected language, and ≥ MIN_KNOWN_SHARE of the words in its Hunspell
  dictionary (`fluency`);
- addresses the question: MIN_QUESTION_QUOTED of the question's content words occur in the quotes,
  together in a sentence (`stems.quoted_coverage`); a near miss — "theft insurance" answered from the
  shipping page — is held and names what is missing. And the reply uses the quotes.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from shared.ai.language import detect
from shared.ai.textnorm import fold
from shared.ai.verify import fluency
from shared.ai.verify.answer import GroundedAnswer
from shared.ai.verify.echo import find_echo
from shared.ai.verify.facts import FactIndex, extract, unsupported
from shared.ai.verify.stems import content_words, quoted_coverage, shared_words

# Handoff reasons, most telling first: the conversation shows the first that applies.
REASONS = ("malformed_answer", "prompt_echo", "unsupported_quote", "no_evidence", "unsupported_claim",
           "wrong_language", "not_fluent", "not_answered")
MIN_QUOTE_CHARS = 12
# Share of the question's content words (stems) the quoted sentences must contain for the reply to be
# sent alone. Chosen on the train split of bench/data/answers with the worst-case model
# (`bench.answer_eval --split train --model worst-case`): the highest automation with no not-covered
# question sent.
MIN_QUESTION_QUOTED = 0.8
_QUOTE_MARKS = str.maketrans({"„": '"', "”": '"', "“": '"', "«": '"', "»": '"', "‘": "'", "’": "'", "–": "-",
                              "—": "-", "\u00a0": " "})
_ELLIPSIS = re.compile(r"\s*(?:\.\.\.|…|\[\.\.\.\])\s*")
_EDGE_PUNCTUATION = " \t\n\"'.,;:!?-()[]"
# A question about an amount (price, count, duration) is answered only by quotes that hold a number,
# and a reply that states one: a date's or an order number's digits are not an amount.
_ASKS_AMOUNT = re.compile(r"(?<!\w)(?:ile|ilu|cen[aeyi]|koszt\w*|how (?:much|many|long)|price\w*|costs?|cat|cate|"
                          r"cati|pret\w*|costa|mennyi\w*|meddig|колко|цена)(?!\w)")


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    detail: str  # for the seller: what was found, in the reply's own words

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "detail": self.detail}


@dataclass(frozen=True, slots=True)
class Verification:
    findings: list[Finding] = field(default_factory=list)
    # (quote, index of the evidence text it was found in) for every verified quote.
    quotes: list[tuple[str, int]] = field(default_factory=list)
    known_word_share: float | None = None

    @property
    def passed(self) -> bool:
        return not self.findings

    @property
    def reason(self) -> str | None:
        codes = {f.code for f in self.findings}
        return next((code for code in REASONS if code in codes), None)

    def as_meta(self) -> dict:
        return {"passed": self.passed, "findings": [f.as_dict() for f in self.findings],
                "knownWordShare": None if self.known_word_share is None else round(self.known_word_share, 3)}


def normalise(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).translate(_QUOTE_MARKS).casefold().split())


def find_quote(quote: str, evidence: Sequence[str]) -> int | None:
    """Index of the evidence text containing every part of `quote` ("…" may join parts), or None."""
    parts = [p.strip(_EDGE_PUNCTUATION) for p in _ELLIPSIS.split(normalise(quote))]
    parts = [p for p in parts if p]
    if not parts or sum(len(p) for p in parts) < MIN_QUOTE_CHARS:
        return None
    for index, text in enumerate(evidence):
        haystack = normalise(text)
        if all(part in haystack for part in parts):
            return index
    return None


def malformed(problem: str) -> Verification:
    return Verification([Finding("malformed_answer", problem)])


def verify(answer: GroundedAnswer, *, evidence: Sequence[str], customer_messages: Sequence[str],
           instructions: Sequence[str], titles: Sequence[str], language: str) -> Verification:
    findings: list[Finding] = []
    reply = answer.answer
    customer = "\n".join(customer_messages)
    everything = "\n".join([*evidence, customer])

    found: list[tuple[str, int]] = []
    for quote in answer.quotes:
        index = find_quote(quote, evidence)
        if index is None:
            findings.append(Finding("unsupported_quote", quote[:160]))
        else:
            found.append((quote, index))
    if not found:
        findings.append(Finding("no_evidence", "the reply quotes nothing from the knowledge base"))

    supported_by = FactIndex.of([q for q, _ in found] + list(customer_messages))
    if missing := unsupported(reply, supported_by):
        findings.append(Finding("unsupported_claim", ", ".join(dict.fromkeys(f.text for f in missing))[:200]))

    for text in (reply, *answer.quotes):
        if echo := find_echo(text, instructions=instructions, titles=titles, evidence=everything):
            findings.append(Finding("prompt_echo", echo[:160]))
            break

    detection = detect(reply)
    if not detection.fallback and detection.language != language:
        findings.append(Finding("wrong_language", detection.language))
    share = None
    try:
        measured = fluency.measure(reply, language, also_known=everything)
        share = measured.share
        if not measured.fluent:
            findings.append(Finding("not_fluent", "unknown words: " + ", ".join(measured.unknown[:8])))
    except fluency.DictionaryMissing as missing_dictionary:
        findings.append(Finding("not_fluent", str(missing_dictionary)))

    quoted = "\n".join(q for q, _ in found)
    if found and _ASKS_AMOUNT.search(fold(customer)) and not (_states_amount(quoted) and _states_amount(reply)):
        findings.append(Finding("not_answered", "the question asks for an amount; the reply or its quotes give none"))
    elif found and quoted_coverage(customer, quoted) < MIN_QUESTION_QUOTED:
        missing = sorted(content_words(customer) - shared_words(customer, quoted))
        findings.append(Finding("not_answered", "the quoted knowledge does not mention: " + ", ".join(missing[:8])))
    elif found and content_words(reply) and not shared_words(reply, quoted + "\n" + customer):
        findings.append(Finding("not_answered", "the reply does not use the quoted knowledge"))
    return Verification(findings, found, share)


def _states_amount(text: str) -> bool:
    return any(fact.kind == "number" for fact in extract(text))
