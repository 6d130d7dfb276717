"""The model's answer as structured data: whether the knowledge answers the question, the exact
sentences it relies on, and the reply. Requested as JSON Schema structured output (vLLM's guided
decoding, llama.cpp's grammar), parsed strictly; anything else is a malformed answer."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

import msgspec

# Bounds on what a reply may be; a longer one is not a customer-service reply but a runaway model.
MAX_ANSWER_CHARS = 2000
MAX_QUOTES = 4
MAX_QUOTE_CHARS = 600
MAX_RAW_CHARS = 12_000

StructuredOutput = Literal["json_schema", "json_object", "none"]


class GroundedAnswer(msgspec.Struct, kw_only=True, forbid_unknown_fields=False):
    answerable: bool = True
    quotes: list[str] = []
    answer: str = ""


# No maxLength/maxItems: llama.cpp turns them into a grammar it refuses as too large; the lengths are
# bounded by max_tokens and checked when parsing.
SCHEMA = {
    "type": "object",
    "properties": {
        "answerable": {"type": "boolean"},
        "quotes": {"type": "array", "items": {"type": "string"}},
        "answer": {"type": "string"},
    },
    "required": ["answerable", "quotes", "answer"],
    "additionalProperties": False,
}


def response_format(mode: StructuredOutput) -> dict | None:
    """The request's `response_format` for a server's kind of structured output (None: prompt only)."""
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "grounded_reply", "schema": SCHEMA, "strict": True}}
    if mode == "json_object":
        return {"type": "json_object", "schema": SCHEMA}
    return None


@dataclass(frozen=True, slots=True)
class Parsed:
    answer: GroundedAnswer | None
    problem: str | None  # why it is malformed (for the seller), None when it parsed
    fallback_text: str  # what a person sees as the draft when it did not parse


_FENCE = re.compile(r"^\s*```(?:json)?\s*|\s*```\s*$", re.IGNORECASE)
_decoder = msgspec.json.Decoder(GroundedAnswer)


def parse(raw: str) -> Parsed:
    text = _FENCE.sub("", raw or "").strip()
    fallback = text[:MAX_ANSWER_CHARS]
    if len(raw or "") > MAX_RAW_CHARS:
        return Parsed(None, f"the model wrote {len(raw)} characters", fallback)
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return Parsed(None, "the model did not answer in the required format", fallback)
    try:
        answer = _decoder.decode(text[start:end + 1])
    except (msgspec.DecodeError, msgspec.ValidationError):
        return Parsed(None, "the model did not answer in the required format", fallback)
    answer.answer = answer.answer.strip()
    if len(answer.answer) > MAX_ANSWER_CHARS or len(answer.quotes) > MAX_QUOTES * 2:
        return Parsed(None, f"the model wrote a {len(answer.answer)}-character reply", answer.answer[:MAX_ANSWER_CHARS])
    answer.quotes = [q.strip()[:MAX_QUOTE_CHARS] for q in answer.quotes if q.strip()][:MAX_QUOTES]
    return Parsed(answer, None, answer.answer)
