"""The reply agent: one customer message (or a burst of them) in → a reply row or a handoff out.

The autopilot contract (`shared.ai.intent.decision`): the AI sends on its own only when the message
is an answerable information request (rules and the trained classifier agree, and the optional LLM
check does not object) AND retrieval grounds the answer (or a curated answer matches) AND the
knowledge retrieved mentions what was asked AND the send verifier (`shared.ai.verify`) finds every
quote, fact and word of the model's answer supported AND the model has qualified for autopilot AND
the marketplace policy guard passes. The conversation's own order (shared.orders, refreshed when stale)
is evidence like the knowledge; another order number in the message goes to a person (foreign_order,
order_not_linked), and a question about the customer's own order is sent alone only when the reply
quotes that order. Anything uncertain becomes a draft a person approves; problems
(complaints, returns, disputes, threats, attacks) are handed off with the reason. Every path ends in
a draft, an approved reply, or the conversation waiting for a person — never silence — except a
plain "thank you", which closes the conversation.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from uuid import UUID

from shared.ai.completion import Completion, LlmEmptyAnswer, LlmUnavailable, complete
from shared.ai.config import get_ai_config, outside_hours_handoff
from shared.ai.context import ReplyContext, load_context
from shared.ai.intent import llm_check
from shared.ai.intent.decision import Assessment, assess, text_to_classify
from shared.ai.language import detect_language
from shared.ai.llm_clients import client_for
from shared.ai.llm_retry import LlmRetryLater, llm_retry_allowed
from shared.ai.order_mentions import asks_about_own_order, foreign_mentions
from shared.ai.policy_guard import check_reply
from shared.ai.prompt import CONFIDENTIAL_MARKERS, answer_instruction, build_messages, chunks_in_prompt
from shared.ai.query_vectors import query_vector as cached_query_vector
from shared.ai.routing import MessageFeatures, choose_model, load_endpoints
from shared.ai.usage import budget_status, observe_llm_call, record_llm_call
from shared.ai.verify import qualification
from shared.ai.verify.answer import response_format
from shared.ai.verify.review import ReviewedReply, review
from shared.ai.verify.stems import coverage
from shared.auth.principal import PAYING_STATUSES
from shared.conversations.errors import ReplyAlreadyExists, StateConflict
from shared.conversations.handoff import close_thanked, hold_draft_for_person, leave_for_human
from shared.conversations.replies import create_ai_reply
from shared.infra.llm import LlmSettings
from shared.knowledge.answers import match_curated_answer
from shared.knowledge.retrieval import search
from shared.knowledge.schemas import RetrievedChunk
from shared.knowledge.similarity import embedding_model_id, similarity_thresholds
from shared.knowledge.stores import KnowledgeStores
from shared.orders.evidence import WARSAW, order_facts
from shared.orders.refresh import needs_refresh, order_for_reply
from shared.orders.store import LinkedOrder
from shared.settings import load
from shared.tenancy.llm import llm_cache_salt

logger = logging.getLogger("bokai.ai.agent")

RETRIEVAL_K = 5
# Below this share of the question's content words found in the retrieved knowledge, the knowledge
# talks about something else (a near miss: "theft insurance" against the shipping page): a person
# answers. Read off the train split of bench/data/answers with bench.answer_eval --gate-only.
MIN_QUESTION_COVERAGE = 0.2
# A plain "thank you" / "ok" this short closes the conversation instead of getting a reply.
CLOSING_MAX_CHARS = 80
# The customer names an order number that is not this conversation's order (or the conversation has
# none): only a person may look another order up — the AI never fetches or discusses it.
FOREIGN_ORDER, ORDER_NOT_LINKED = "foreign_order", "order_not_linked"


@dataclass(frozen=True, slots=True)
class AgentOutcome:
    action: str  # drafted | approved | handoff | skipped | generate (decided: a model must write it)
    reason: str | None = None
    reply_id: UUID | None = None
    citations: list[dict] = field(default_factory=list)


def _confidence(similarity: float) -> float:
    # Routing thinks in 0–1 "how sure is retrieval"; map the e5 similarity band onto it.
    return max(0.0, min(1.0, (similarity - 0.75) / 0.2))


async def _hand_off(ctx: ReplyContext, reason: str) -> AgentOutcome:
    await leave_for_human(ctx.tenant_id, ctx.message_id, reason)
    logger.info("ai handoff tenant=%s conversation=%s reason=%s", ctx.tenant_id, ctx.conversation_id, reason)
    return AgentOutcome("handoff", reason)


async def _store_reply(ctx: ReplyContext, text: str, *, approved: bool, citations: list[dict],
                       meta: dict | None = None) -> AgentOutcome:
    try:
        reply = await create_ai_reply(ctx.tenant_id, ctx.message_id, text, approved=approved, citations=citations,
                                      meta=meta)
    except ReplyAlreadyExists:
        return AgentOutcome("skipped", "already answered")
    except StateConflict:
        return AgentOutcome("skipped", "taken over by a person")
    return AgentOutcome("approved" if approved else "drafted", None, reply.id, citations)


async def handle_customer_message(stores: KnowledgeStores, tenant_id: UUID, message_id: UUID,
                                  *, now: datetime | None = None, generate: bool = True) -> AgentOutcome:
    """`generate=False` decides everything that needs no model call and stops before the model with
    the outcome "generate" (the live class's step; the reply class then runs it whole)."""
    ctx = await load_context(tenant_id, message_id)
    if ctx is None:
        return AgentOutcome("skipped", "unknown message")
    if ctx.already_answered:
        return AgentOutcome("skipped", "already answered")
    if ctx.superseded:
        return AgentOutcome("skipped", "a newer message answers the burst")
    if ctx.channel_status == "paused":
        # Nothing is generated (or billed) for a paused channel; resuming it stages this message again
        # (shared/channels/lifecycle.py), so it waits rather than being lost.
        logger.info("ai skipped tenant=%s conversation=%s: channel paused", ctx.tenant_id, ctx.conversation_id)
        return AgentOutcome("skipped", "channel paused")
    # The live decision (generate=False) reads the stored snapshot and never waits for a marketplace
    # (a slow Allegro must not hold the live class); the reply class refreshes it when stale before it
    # writes. A failed fetch leaves the last good snapshot, or none, and the reply goes on.
    order = await order_for_reply(ctx.tenant_id, ctx.conversation_id, now=now, fetch=generate)
    if ctx.ai_mode == "off":
        return await _hand_off(ctx, "taken_over")
    config = await get_ai_config(tenant_id)
    if ctx.ai_mode is None and config.autopilot_mode == "off":
        return await _hand_off(ctx, "ai_off")
    if ctx.subscription_status not in PAYING_STATUSES:
        return await _hand_off(ctx, "subscription_inactive")
    # The whole unanswered burst is judged; messages a reply already dealt with are not.
    question = "\n".join(ctx.unanswered)
    if not question.strip():
        # Only attachments or whitespace: a person looks at what the customer sent.
        return await _hand_off(ctx, "empty_message")
    # One bounded query embedding serves the intent classifier, the curated match and retrieval, in the
    # live decision and again in the reply class's generation.
    query_text = text_to_classify(ctx.unanswered)
    query_vector = await cached_query_vector(stores, ctx.tenant_id, query_text)
    model_id = embedding_model_id()
    assessment = assess(question, query_vector, embedding_model=model_id, topics=config.handoff_topics)
    assessment = await _second_opinion(ctx, assessment, query_text)
    if assessment.action == "handoff":
        return await _hand_off(ctx, assessment.reason or "uncertain_intent")
    if outside_hours_handoff(config.business_hours, now or datetime.now(timezone.utc)):
        return await _hand_off(ctx, "after_hours")
    if _only_thanks(assessment, question):
        await close_thanked(ctx.tenant_id, ctx.message_id)
        return AgentOutcome("skipped", "closing")
    if foreign_mentions(question, order.order_id if order else None):
        return await _hand_off(ctx, FOREIGN_ORDER if order else ORDER_NOT_LINKED)

    # Autopilot sends only what the intent layers call answerable; everything else is a draft.
    autopilot = (ctx.ai_mode or config.autopilot_mode) == "auto" and assessment.action == "answer"
    thresholds = similarity_thresholds(model_id)
    curated = await match_curated_answer(stores, tenant_id, question, config.curated_answer_threshold,
                                         query_vector=query_vector)
    if curated is not None:
        citations = [{"type": "curated", "answerId": str(curated.answer_id), "similarity": curated.similarity}]
        verdict = check_reply(ctx.platform, curated.answer)
        outcome = await _store_reply(ctx, curated.answer, approved=autopilot and verdict.allowed,
                                     citations=citations)
        return await _flag_unsent_draft(ctx, outcome, assessment, verdict.allowed)

    hits = await search(stores, tenant_id, query_text, RETRIEVAL_K, query_vector=query_vector)
    chunks = chunks_in_prompt([c for c in hits if c.similarity >= thresholds.grounding])
    facts = order_facts(order.snapshot) if order and order.snapshot else []
    # The order is evidence like the knowledge: "where is my parcel?" is grounded by the order alone.
    evidence = "\n".join([*(c.text for c in chunks), *facts])
    # A stale order the reply class will fetch may ground what the stored one cannot: judged there.
    order_pending = not generate and order is not None and needs_refresh(order, now or datetime.now(timezone.utc))
    if not order_pending and (not (chunks or facts) or coverage(question, evidence) < MIN_QUESTION_COVERAGE):
        return await _hand_off(ctx, "no_grounding")
    if not generate:
        return AgentOutcome("generate")
    # "Where is my parcel?" with no order attached: the knowledge may answer it in general, but only a
    # person can tell this customer where theirs is, so such a reply is never sent alone.
    hold = ORDER_NOT_LINKED if not facts and asks_about_own_order(question, assessment.intent) else None
    return await _generate(ctx, config, chunks, question, autopilot, assessment, order if facts else None, hold)


def _warsaw_time(moment: datetime | None) -> str | None:
    return moment.astimezone(WARSAW).strftime("%-d.%m.%Y, godz. %H:%M") if moment else None


def _only_thanks(assessment: Assessment, question: str) -> bool:
    return (assessment.action == "answer" and assessment.intent == "thanks_closing"
            and len(question) <= CLOSING_MAX_CHARS and "?" not in question)


async def _second_opinion(ctx: ReplyContext, assessment: Assessment, text: str) -> Assessment:
    """The optional LLM intent check (more cautious only); its tokens are logged like any call."""
    options = llm_check.settings()
    if not options.enabled or assessment.action != "answer":
        return assessment
    endpoint = load_endpoints().local
    base = load(LlmSettings)
    salt = llm_cache_salt(ctx.tenant_id, base.cache_salt_secret) if base.send_cache_salt else None
    checked, completion = await llm_check.check(client_for(endpoint, base), endpoint.model, text, assessment,
                                                options, cache_salt=salt)
    if completion is not None:
        await _log_usage(ctx, completion)
    return checked


async def _flag_unsent_draft(ctx: ReplyContext, outcome: AgentOutcome, assessment: Assessment,
                             policy_ok: bool, held_reason: str | None = None) -> AgentOutcome:
    """A draft the policy guard, the verifier, the intent layers or an unqualified model held back
    tells the seller why it waits."""
    if outcome.action != "drafted":
        return outcome
    # The verifier's reason is the most specific (it also covers the guard's prompt-leak rule).
    reason = (held_reason if held_reason and held_reason != qualification.REASON else None) \
        or ("policy_violation" if not policy_ok else None) \
        or (assessment.reason or "uncertain_intent" if assessment.action == "draft" else None) or held_reason
    if reason:
        await hold_draft_for_person(ctx.tenant_id, ctx.message_id, reason)
        return AgentOutcome(outcome.action, reason, outcome.reply_id, outcome.citations)
    return outcome


async def _generate(ctx: ReplyContext, config, chunks: list[RetrievedChunk], question: str,
                    autopilot: bool, assessment: Assessment, order: LinkedOrder | None = None,
                    hold: str | None = None) -> AgentOutcome:
    budget = await budget_status(ctx.tenant_id)
    # Order data is exact, not a similarity guess: a reply from the order alone is routed as a sure one.
    features = MessageFeatures.from_text(question, _confidence(chunks[0].similarity) if chunks else 1.0)
    route = choose_model(config, ctx.plan, budget, features, endpoints=load_endpoints(), tenant_id=ctx.tenant_id)
    if route.handoff:
        return await _hand_off(ctx, "budget_exhausted")
    endpoints = load_endpoints()
    endpoint = endpoints.strong if route.model_key == "strong" else endpoints.local
    base = load(LlmSettings)
    language = detect_language(question, config.language)
    facts = order_facts(order.snapshot) if order and order.snapshot else []
    messages = build_messages(
        shop_name=ctx.tenant_name, platform=ctx.platform, language=language, tone=config.tone,
        seller_instructions=config.custom_instructions, context=chunks, history=ctx.history,
        customer_messages=ctx.unanswered, order_facts=facts,
        order_fetched=_warsaw_time(order.fetched_at) if order else None)
    salt = llm_cache_salt(ctx.tenant_id, base.cache_salt_secret) if base.send_cache_salt else None
    completion = await _complete_logged(ctx, endpoint, base, messages, config, salt)
    if completion is None:
        return await _hand_off(ctx, "llm_failed")
    # In a thread: the verifier's dictionary lookups (and a dictionary's first load) must not hold
    # the worker's shared event loop.
    reviewed = await asyncio.to_thread(
        review, completion.text, chunks=chunks, customer_messages=ctx.unanswered,
        instructions=[messages[0]["content"], answer_instruction(language)], language=language,
        order_facts=facts, order_id=order.order_id if order else None,
        order_question=asks_about_own_order(question, assessment.intent))
    if reviewed.outcome == "not_covered":
        return await _hand_off(ctx, "no_grounding")  # the model itself found no answer in the knowledge
    if reviewed.outcome == "empty":
        return await _hand_off(ctx, "llm_empty")
    return await _store_verified(ctx, reviewed, endpoint.model, language, autopilot, assessment, hold)


async def _store_verified(ctx: ReplyContext, reviewed: ReviewedReply, model: str, language: str, autopilot: bool,
                          assessment: Assessment, hold: str | None = None) -> AgentOutcome:
    """`hold`: a reason this reply waits for a person even when every check passes."""
    verdict = check_reply(ctx.platform, reviewed.text, forbidden_phrases=CONFIDENTIAL_MARKERS,
                          expected_language=language)
    verification = reviewed.verification
    qualified = await qualification.is_qualified(model)
    held = verification.reason or hold or (qualification.REASON if autopilot and not qualified else None)
    meta = {"verification": verification.as_meta(), "model": model, "modelQualified": qualified}
    if not verification.passed:
        logger.info("reply held tenant=%s conversation=%s reasons=%s", ctx.tenant_id, ctx.conversation_id,
                    ",".join(f.code for f in verification.findings))
    outcome = await _store_reply(ctx, reviewed.text, citations=reviewed.citations or [], meta=meta,
                                 approved=autopilot and not hold and verdict.allowed and verification.passed and qualified)
    return await _flag_unsent_draft(ctx, outcome, assessment, verdict.allowed, held)


async def _complete_logged(ctx: ReplyContext, endpoint, base: LlmSettings, messages, config,
                           salt: str | None) -> Completion | None:
    """Two tries at a usable answer (the client itself retries 429/5xx/timeouts); usage logged each time."""
    client = client_for(endpoint, base)
    for _ in range(2):
        started = time.perf_counter()
        try:
            completion = await complete(client, model=endpoint.model, messages=messages,
                                        max_tokens=config.max_tokens, temperature=config.temperature,
                                        cache_salt=salt, response_format=response_format(base.structured_output))
        except LlmUnavailable as failure:
            observe_llm_call(endpoint.model, time.perf_counter() - started, "unavailable")
            logger.warning("llm unavailable tenant=%s model=%s: %s", ctx.tenant_id, endpoint.model, failure)
            if llm_retry_allowed():
                raise LlmRetryLater(str(failure)) from None  # the actor tries again shortly
            return None  # last attempt: handed to a person as llm_failed
        except LlmEmptyAnswer as empty:
            _observe(endpoint.model, empty.completion, "empty")
            await _log_usage(ctx, empty.completion)
            continue
        _observe(endpoint.model, completion, "ok")
        await _log_usage(ctx, completion)
        return completion
    return None


def _observe(model: str, completion: Completion, outcome: str) -> None:
    observe_llm_call(model, completion.latency_ms / 1000, outcome, completion.prompt_tokens,
                     completion.completion_tokens)


async def _log_usage(ctx: ReplyContext, completion: Completion) -> None:
    await record_llm_call(ctx.tenant_id, model=completion.model, prompt_tokens=completion.prompt_tokens,
                          completion_tokens=completion.completion_tokens, latency_ms=completion.latency_ms,
                          conversation_id=ctx.conversation_id)
