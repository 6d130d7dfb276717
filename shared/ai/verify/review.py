"""From the model's raw output to a reply the agent may store: parsed, cleaned and verified."""

from __future__ import annotations

from dataclasses import dataclass

from shared.ai.policy_guard import clean_reply
from shared.ai.verify.answer import parse
from shared.ai.verify.verifier import Verification, malformed, verify
from shared.knowledge.schemas import RetrievedChunk


@dataclass(frozen=True, slots=True)
class ReviewedReply:
    # "reply": store `text` (approved only if `verification.passed`, and the other gates agree);
    # "not_covered": the model says the knowledge does not answer it; "empty": nothing usable.
    outcome: str
    text: str = ""
    verification: Verification = Verification()
    citations: list[dict] | None = None


def review(raw: str, *, chunks: list[RetrievedChunk], customer_messages: list[str], instructions: list[str],
           language: str) -> ReviewedReply:
    parsed = parse(raw)
    if parsed.answer is None:
        text = clean_reply(parsed.fallback_text)
        return ReviewedReply("reply", text, malformed(parsed.problem or "malformed"), citations(chunks, None)) \
            if text else ReviewedReply("empty")
    answer = parsed.answer
    if not answer.answerable:
        return ReviewedReply("not_covered")
    answer.answer = clean_reply(answer.answer)
    if not answer.answer:
        return ReviewedReply("empty")
    verification = verify(answer, evidence=[c.text for c in chunks], customer_messages=customer_messages,
                          instructions=instructions, titles=[c.document_title for c in chunks], language=language)
    return ReviewedReply("reply", answer.answer, verification, citations(chunks, verification))


def citations(chunks: list[RetrievedChunk], verification: Verification | None) -> list[dict]:
    """One citation per chunk the model saw, with the sentences it quoted from that chunk."""
    quoted: dict[int, list[str]] = {}
    for quote, index in (verification.quotes if verification else []):
        quoted.setdefault(index, []).append(quote)
    return [{"type": "chunk", "documentId": c.document_id, "documentTitle": c.document_title,
             "chunkIndex": c.chunk_index, "page": c.page, "similarity": round(c.similarity, 4),
             "quotes": quoted.get(i, [])} for i, c in enumerate(chunks)]
