"""Whether a customer's message must go to a human, and why: complaints, returns, disputes, anger.

Pure and fast (regular expressions over diacritics-folded text). Returns are two topics: a
`return_question` ("Jak mogę zwrócić towar?") the knowledge base can answer, and a
`return_request` ("Odesłałem buty, proszę o zwrot pieniędzy") a person has to act on; which topics
hand off is the tenant's choice (`topics`), by default everything but `return_question`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from shared.ai import handoff_patterns as p
from shared.ai.textnorm import compile_folded, fold

COMPLAINT, RETURN_QUESTION, RETURN_REQUEST = "complaint", "return_question", "return_request"
DISPUTE, DEFECT, ANGRY, LEGAL = "dispute", "defect", "angry", "legal"
ALL_TOPICS = (COMPLAINT, RETURN_REQUEST, RETURN_QUESTION, DISPUTE, LEGAL, DEFECT, ANGRY)
DEFAULT_HANDOFF_TOPICS = frozenset(ALL_TOPICS) - {RETURN_QUESTION}
# Problems that turn any mention of a return into a request, however it is phrased.
_PROBLEMS = (COMPLAINT, DEFECT, DISPUTE, LEGAL, ANGRY)

MAX_CHARS = 5000  # a longer message is judged by its beginning; it goes to a human anyway if it matches

_NEUTRAL = compile_folded(*p.NOT_A_RETURN, *p.NOT_A_DEFECT, *p.NOT_AN_INSULT)
_ASKING = compile_folded(*p.ASKING)
_TOPICS = {name: compile_folded(*patterns) for name, patterns in p.TOPICS.items()}
_DONE_OR_DEMANDED = compile_folded(*p.RETURN_DONE_OR_DEMANDED)
_WHEN_MONEY = compile_folded(*p.RETURN_WHEN_MONEY)
_HOW = compile_folded(*p.RETURN_HOW)
_IN_ADVANCE = compile_folded(*p.IN_ADVANCE)
_PROCEDURE_ONLY = compile_folded(*p.PROCEDURE_ONLY)
_PROCEDURE_QUESTION = compile_folded(*p.PROCEDURE_QUESTION)
_OWN_CASE = compile_folded(*p.OWN_CASE)
_SHOUT_PUNCTUATION = re.compile(r"[!?]{3,}|!{2,}\?|\?{2,}!|[\U0001F620\U0001F621\U0001F92C\U0001F595]")  # 😠😡🤬🖕
_WORD = re.compile(r"[^\W\d_]{3,}")
_THANKS = compile_folded(
    r"dzi[eę]k\w*", r"super", r"[sś]wietn\w*", r"polecam\w*", r"brawo", r"thanks?\w*", r"great",
    r"mul[tț]umesc", r"mersi", r"k[oö]sz[oö]n\w*", r"благодар\w*",
)


@dataclass(frozen=True, slots=True)
class HandoffDecision:
    needs_human: bool
    reasons: list[str]  # topics found that the tenant hands off, in ALL_TOPICS order
    matched: list[str]  # the words that triggered them, as the customer wrote them
    topics: list[str] = field(default_factory=list)  # every topic found, handed off or not


def classify_handoff(
    text: str,
    *,
    history: Sequence[str] = (),
    topics: Iterable[str] = DEFAULT_HANDOFF_TOPICS,
) -> HandoffDecision:
    """Judge `text` together with `history`: the customer's earlier, still unanswered messages."""
    found: set[str] = set()
    matched: list[str] = []
    for message in (*history, text):
        message_topics, message_matched = _message_topics(message or "")
        found |= message_topics
        matched += [m for m in message_matched if m not in matched]
    if found & set(_PROBLEMS) and RETURN_QUESTION in found:
        found = (found - {RETURN_QUESTION}) | {RETURN_REQUEST}
    handed_off = set(topics)
    ordered = [topic for topic in ALL_TOPICS if topic in found]
    reasons = [topic for topic in ordered if topic in handed_off]
    return HandoffDecision(needs_human=bool(reasons), reasons=reasons, matched=matched, topics=ordered)


def _message_topics(message: str) -> tuple[set[str], list[str]]:
    original = message[:MAX_CHARS]
    folded = _NEUTRAL.sub(lambda m: " " * len(m.group()), fold(original))
    found: set[str] = set()
    matched: list[str] = []
    for name, pattern in _TOPICS.items():
        spans = [m.span() for m in pattern.finditer(folded)]
        if spans:
            found.add(name)
            matched += [original[start:end] for start, end in spans]
    shouting = _shouting(original)
    if shouting and not (_THANKS.search(folded) and ANGRY not in found):
        found.add(ANGRY)
        matched += shouting
    if found and _asks_about_procedure(found, folded):
        # "Ile trwa rozpatrzenie reklamacji?", "Co jeśli przyjdzie uszkodzone?": the knowledge base answers.
        return {RETURN_QUESTION}, list(dict.fromkeys(matched))
    if "return" in found:
        found.remove("return")
        found.add(_return_kind(folded, problem=bool(found & set(_PROBLEMS))))
    return found, list(dict.fromkeys(matched))


def _asks_about_procedure(found: set[str], folded: str) -> bool:
    if found <= {COMPLAINT, DEFECT, "return"} and _IN_ADVANCE.search(folded):
        return True
    if not found <= {COMPLAINT, "return"}:
        return False
    if _PROCEDURE_ONLY.search(folded):
        return True
    # "Ile trwa reklamacja?", "Można złożyć reklamację mailem?": how complaints work, asked in general.
    return "?" in folded and _generic_question(folded) and not _DONE_OR_DEMANDED.search(folded)


def _generic_question(folded: str) -> bool:
    """Asks how the procedure works, with nothing that makes it the customer's own case."""
    return _PROCEDURE_QUESTION.search(folded) is not None and _OWN_CASE.search(folded) is None


def _return_kind(folded: str, *, problem: bool) -> str:
    if problem or _DONE_OR_DEMANDED.search(folded):
        return RETURN_REQUEST
    if _WHEN_MONEY.search(folded) and not _generic_question(folded):
        # "Kiedy dostanę pieniądze?" is about the customer's money; "…po zwrocie, zwykle?" is not.
        return RETURN_REQUEST
    # "Chcę zwrócić buty, jak to zrobić?" asks for the procedure; "Chcę zwrócić buty." asks for action.
    if "?" in folded or _HOW.search(folded) or _ASKING.search(folded):
        return RETURN_QUESTION
    return RETURN_REQUEST


def _shouting(text: str) -> list[str]:
    signals = [m.group() for m in _SHOUT_PUNCTUATION.finditer(text)][:1]
    words = _WORD.findall(text)
    upper = [w for w in words if w.isupper()]
    letters = sum(len(w) for w in words)
    if len(upper) >= 2 and letters >= 12 and sum(len(w) for w in upper) >= 0.75 * letters:
        signals.append("WIELKIE LITERY")
    return signals
