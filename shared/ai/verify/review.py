"""From the model's raw output to a reply the agent may store: parsed, cleaned and verified."""

from __future__ import annotations

from dataclasses import dataclass

from shared.ai.policy_guard import clean_reply
from shared.ai.verify.answer import parse
from shared.ai.verify.verifier import Finding, Verification, malformed, verify
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
           language: str, order_facts: list[str] = (), order_id: str | None = None,
           order_question: bool = False) -> ReviewedReply:
    """`order_facts`: the conversation's order as sentences; they are evidence like the knowledge
    (a quote may come from either), cited as {"type": "order", "orderId", "quotes"}. `order_question`:
    the customer asks about their own order, so a reply quoting only the knowledge ("write the order
    number on the parcel" for "where is my parcel?") does not answer it."""
    parsed = parse(raw)
    if parsed.answer is None:
        text = clean_reply(parsed.fallback_text)
        return ReviewedReply("reply", text, malformed(parsed.problem or "malformed"),
                             citations(chunks, None, order_facts, order_id)) if text else ReviewedReply("empty")
    answer = parsed.answer
    if not answer.answerable:
        return ReviewedReply("not_covered")
    answer.answer = clean_reply(answer.answer)
    if not answer.answer:
        return ReviewedReply("empty")
    evidence = [c.text for c in chunks] + (["\n".join(order_facts)] if order_facts else [])
    verification = verify(answer, evidence=evidence, customer_messages=customer_messages,
                          instructions=instructions, titles=[c.document_title for c in chunks], language=language)
    if order_facts and order_question and not any(index == len(chunks) for _, index in verification.quotes):
        verification = Verification([*verification.findings, Finding(
            "not_answered", "a question about the customer's order answered without quoting the order")],
            verification.quotes, verification.known_word_share)
    return ReviewedReply("reply", answer.answer, verification,
                         citations(chunks, verification, order_facts, order_id))


def citations(chunks: list[RetrievedChunk], verification: Verification | None, order_facts: list[str] = (),
              order_id: str | None = None) -> list[dict]:
    """One citation per chunk the model saw (and one for the order, when it had one), with the
    sentences it quoted from each."""
    quoted: dict[int, list[str]] = {}
    for quote, index in (verification.quotes if verification else []):
        quoted.setdefault(index, []).append(quote)
    cited = [{"type": "chunk", "documentId": c.document_id, "documentTitle": c.document_title,
              "chunkIndex": c.chunk_index, "page": c.page, "similarity": round(c.similarity, 4),
              "quotes": quoted.get(i, [])} for i, c in enumerate(chunks)]
    if order_facts:
        cited.append({"type": "order", "orderId": order_id, "quotes": quoted.get(len(chunks), [])})
    return cited
