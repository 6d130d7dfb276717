"""The autopilot contract: may the AI answer this customer message on its own?

Only an answerable information request may be sent without a person (an allow-list, not a block
list). Layers, cheapest first, each able only to make the decision more cautious:
1. rules (`shared.ai.handoff`, `injection`): high-precision phrases → hand off with their reason;
2. the trained classifier over the e5 query embedding the agent computes anyway and the message's
   character n-grams (`model`):
   p(needs a person) ≥ handoff threshold → hand off; ≥ human threshold → the AI may draft, a person
   approves; below → answerable;
3. optionally an LLM check with structured output (`llm_check`), which can only escalate.
Retrieval grounding and the policy guard come after this, in the agent; all three must pass to send.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from shared.ai.handoff import ALL_TOPICS, DEFAULT_HANDOFF_TOPICS, RETURN_QUESTION, classify_handoff
from shared.ai.intent.injection import injection_phrases
from shared.ai.intent.labels import ANSWERABLE, HANDOFF_REASON, NEEDS_PERSON, UNCERTAIN_REASON
from shared.ai.intent.model import IntentModel, NoIntentModel, load_model

Action = Literal["answer", "draft", "handoff"]
# The classifier reads the newest part of a long burst: what the customer asks now, and a bound on
# the work one message can put on the shared embedding server.
CLASSIFY_MAX_CHARS = 2000
# The rules are cheap: they read both ends of a long message.
RULES_EDGE_CHARS = 5000
INJECTION_REASON = HANDOFF_REASON["prompt_injection"]


@dataclass(frozen=True, slots=True)
class Assessment:
    action: Action
    reason: str | None  # the handoff_reason shown to the seller (None when answerable)
    layer: str  # rules | injection | classifier | llm | none — which layer decided
    intent: str | None = None  # the classifier's most likely intent
    p_human: float | None = None

    @property
    def needs_human(self) -> bool:
        return self.action != "answer"


def text_to_classify(messages: Iterable[str]) -> str:
    """The burst as the classifier sees it: whitespace collapsed, newest CLASSIFY_MAX_CHARS characters."""
    text = " ".join(" ".join(messages).split())
    return text[-CLASSIFY_MAX_CHARS:]


def _rules_view(text: str) -> str:
    if len(text) <= 2 * RULES_EDGE_CHARS:
        return text
    return text[:RULES_EDGE_CHARS] + "\n" + text[-RULES_EDGE_CHARS:]


def rules_verdict(text: str, topics: Iterable[str] = DEFAULT_HANDOFF_TOPICS) -> Assessment | None:
    """The rule layer alone: a handoff or a held draft, or None when no rule fired."""
    if injection_phrases(text):
        return Assessment("handoff", INJECTION_REASON, "injection")
    handed_off = set(topics)
    rules = classify_handoff(_rules_view(text), topics=ALL_TOPICS)
    problems = [t for t in rules.topics if t != RETURN_QUESTION]
    for topic in problems:
        if topic in handed_off:
            return Assessment("handoff", topic, "rules")
    if problems:
        # A topic this seller chose not to hand off: the AI may draft it, never send it alone.
        return Assessment("draft", problems[0], "rules")
    return None


def assess(text: str, query_vector: list[float] | np.ndarray | None, *, embedding_model: str,
           topics: Iterable[str] = DEFAULT_HANDOFF_TOPICS, model: IntentModel | None = None) -> Assessment:
    """Rules, then the classifier; `query_vector` is the e5 query embedding of `text_to_classify(...)`."""
    ruled = rules_verdict(text, topics)
    if ruled is not None:
        return ruled
    if query_vector is None:
        return Assessment("draft", UNCERTAIN_REASON, "none")
    try:
        model = model or load_model(embedding_model)
    except NoIntentModel:
        return Assessment("draft", UNCERTAIN_REASON, "none")
    scores = model.intent_scores(np.asarray(query_vector, dtype=np.float64), text_to_classify([text]))
    p_human = model.p_human_of(scores)
    if p_human < model.human_threshold:
        top_answerable = max(ANSWERABLE, key=lambda i: scores.get(i, 0.0))
        return Assessment("answer", None, "classifier", top_answerable, p_human)
    person_intent = max(NEEDS_PERSON, key=lambda i: scores.get(i, 0.0))
    reason = HANDOFF_REASON[person_intent]
    if p_human >= model.handoff_threshold and reason in set(topics) | _ALWAYS_HANDED_OFF:
        return Assessment("handoff", reason, "classifier", person_intent, p_human)
    return Assessment("draft", UNCERTAIN_REASON if p_human < model.handoff_threshold else reason,
                      "classifier", person_intent, p_human)


# Reasons outside the seller's configurable topics: no setting lets the AI answer these alone.
_ALWAYS_HANDED_OFF = {reason for reason in HANDOFF_REASON.values() if reason not in ALL_TOPICS}
