"""Curated Q&A: a seller's exact answers, matched to customer questions by meaning above a threshold."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from uuid import UUID

import msgspec

from shared.knowledge.similarity import embedding_model_id, similarity_thresholds
from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.tables import CuratedAnswer
from shared.tenancy.db import tenant_tx

MAX_QUESTION = 500
MAX_ANSWER = 2000


class AnswerError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class CuratedAnswerIn(msgspec.Struct, rename="camel", kw_only=True):
    question: str
    answer: str
    enabled: bool = True


class CuratedAnswerPatch(msgspec.Struct, rename="camel", kw_only=True):
    question: str | msgspec.UnsetType = msgspec.UNSET
    answer: str | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET


class CuratedAnswerView(msgspec.Struct, rename="camel", kw_only=True):
    id: UUID
    question: str
    answer: str
    enabled: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True, slots=True)
class CuratedMatch:
    answer_id: UUID
    question: str
    answer: str
    similarity: float


def _clean(question: str | None, answer: str | None) -> tuple[str | None, str | None]:
    if question is not None:
        question = " ".join(question.split())
        if not 3 <= len(question) <= MAX_QUESTION:
            raise AnswerError("question", f"The question must be 3–{MAX_QUESTION} characters.")
    if answer is not None:
        answer = answer.strip()
        if not 1 <= len(answer) <= MAX_ANSWER:
            raise AnswerError("answer", f"The answer must be 1–{MAX_ANSWER} characters.")
    return question, answer


def _view(row: dict) -> CuratedAnswerView:
    return CuratedAnswerView(id=row["id"], question=row["question"], answer=row["answer"], enabled=row["enabled"],
                             created_at=row["created_at"], updated_at=row["updated_at"])


async def _embed_question(stores: KnowledgeStores, question: str) -> list[float]:
    # Both sides are questions: embed them the same way (as queries) so paraphrases meet.
    [vector] = await stores.embedder.embed_queries([question])
    return vector


async def create_answer(stores: KnowledgeStores, tenant_id: UUID, user_id: UUID | None,
                        body: CuratedAnswerIn) -> CuratedAnswerView:
    question, answer = _clean(body.question, body.answer)
    vector = await _embed_question(stores, question)
    row = CuratedAnswer(tenant_id=tenant_id, question=question, answer=answer, enabled=body.enabled,
                        created_by=user_id)
    async with tenant_tx(tenant_id):
        await row.save()
    await stores.curated_questions(tenant_id).upsert(row.id, question, vector)
    return _view(row.to_dict())


async def list_answers(tenant_id: UUID) -> list[CuratedAnswerView]:
    async with tenant_tx(tenant_id):
        rows = await CuratedAnswer.select().order_by(CuratedAnswer.created_at, ascending=False).limit(1000)
    return [_view(r) for r in rows]


async def update_answer(stores: KnowledgeStores, tenant_id: UUID, answer_id: UUID,
                        patch: CuratedAnswerPatch) -> CuratedAnswerView | None:
    question, answer = _clean(None if patch.question is msgspec.UNSET else patch.question,
                              None if patch.answer is msgspec.UNSET else patch.answer)
    changes = {CuratedAnswer.updated_at: datetime.now(timezone.utc)}
    if question is not None:
        changes[CuratedAnswer.question] = question
    if answer is not None:
        changes[CuratedAnswer.answer] = answer
    if patch.enabled is not msgspec.UNSET:
        changes[CuratedAnswer.enabled] = patch.enabled
    async with tenant_tx(tenant_id):
        rows = await CuratedAnswer.update(changes).where(CuratedAnswer.id == answer_id) \
            .returning(*CuratedAnswer.all_columns())
    if not rows:
        return None
    if question is not None:
        await stores.curated_questions(tenant_id).upsert(answer_id, question, await _embed_question(stores, question))
    return _view(rows[0])


async def delete_answer(stores: KnowledgeStores, tenant_id: UUID, answer_id: UUID) -> bool:
    async with tenant_tx(tenant_id):
        deleted = await CuratedAnswer.delete().where(CuratedAnswer.id == answer_id).returning(CuratedAnswer.id)
    if deleted:
        await stores.curated_questions(tenant_id).delete(answer_id)
    return bool(deleted)


async def match_curated_answer(stores: KnowledgeStores, tenant_id: UUID, customer_question: str,
                               threshold: float | None = None, *,
                               query_vector: list[float] | None = None) -> CuratedMatch | None:
    """The enabled curated answer whose question means the same as the customer's, if any.

    ``query_vector``: the question's query embedding when the caller already has it. ``threshold``:
    the seller's own, else the embedding model's calibrated one (a verbatim answer: a miss, falling
    back to retrieval, beats a wrong match).
    """
    if threshold is None:
        threshold = similarity_thresholds(embedding_model_id()).curated
    text = " ".join(customer_question.split())[:MAX_QUESTION * 2]
    if not text:
        return None
    vector = query_vector if query_vector is not None else await _embed_question(stores, text)
    candidates = await stores.curated_questions(tenant_id).nearest(vector)
    above = [(answer_id, similarity) for answer_id, similarity in candidates if similarity >= threshold]
    if not above:
        return None
    async with tenant_tx(tenant_id):
        rows = {r["id"]: r for r in await CuratedAnswer.select().where(
            CuratedAnswer.id.is_in([a for a, _ in above]) & (CuratedAnswer.enabled == True))}  # noqa: E712
    for answer_id, similarity in above:
        row = rows.get(answer_id)
        if row is not None:
            return CuratedMatch(answer_id, row["question"], row["answer"], round(similarity, 4))
    return None
