"""AI actors (queue "ai", apart from deliveries so slow generations never delay sending), and the
seam a new customer message enqueues (``replies.handle_customer_message``, queue "replies") with the
decision that needs no model call (``replies.decide_reply``, also "replies": the live class)."""

from __future__ import annotations

import asyncio
import logging
from uuid import UUID

import dramatiq

from shared.ai import language, llm_waiting
from shared.ai.agent import handle_customer_message
from shared.ai.llm_retry import LlmRetryLater, allow_llm_retry, retry_delays_ms
from shared.ai.scheduling import DECIDE_ACTOR, GENERATE_ACTOR, reply_delay_for_message
from shared.ai.verify import fluency
from shared.broker import enqueue
from shared.conversations.handoff import leave_for_human
from shared.infra.llm import llm_reachable
from shared.knowledge.stores import process_stores
from shared.tenancy.fairness import tenant_lane


class WarmUp(dramatiq.Middleware):
    """What a worker's first message would otherwise wait for is loaded before the worker takes jobs
    (and before it writes its ready file): the language detectors (~1 s), the knowledge stores
    (Weaviate's connection and collection checks), the intent classifier and the similarity thresholds,
    and in a worker that writes replies the send verifier's Polish spelling dictionary (~5 s). Loaded
    on the first jobs instead, they made a fresh worker's first decisions take 2–3 s longer
    (bench.neighbour_flood, idle phase), and held every other thread of the process meanwhile."""

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        language.warm_up()
        _open_knowledge()
        # Only a worker that writes replies verifies them (the dictionary costs ~280 MB).
        if worker.consumer_whitelist is None or GENERATE_ACTOR[0] in worker.consumer_whitelist:
            fluency.warm_up()


def _open_knowledge() -> None:
    from dramatiq.asyncio import get_event_loop_thread

    from shared.ai.intent.model import NoIntentModel, load_model
    from shared.knowledge.similarity import embedding_model_id, similarity_thresholds

    try:
        get_event_loop_thread().run_coroutine(process_stores())
        similarity_thresholds(embedding_model_id())
        load_model(embedding_model_id())
    except NoIntentModel:
        pass  # decisions go without the classifier (shared.ai.intent.decision.assess)
    except Exception as problem:  # noqa: BLE001 - a server still starting: the first job opens them
        logging.getLogger("bokai.worker").warning("knowledge warm-up skipped: %s", type(problem).__name__)


dramatiq.get_broker().add_middleware(WarmUp())


@dramatiq.actor(actor_name="replies.handle_customer_message", queue_name="replies", max_retries=10,
                min_backoff=2_000, time_limit=2 * 60 * 1000, on_retry_exhausted="ai.reply_gave_up")
async def schedule_reply(tenant_id: str, message_id: str) -> None:
    # The seam to the AI agent (shared.channels.inbound stages it with every new customer message):
    # a complete message is answered at once, a fragment ("Dzień dobry") after the quiet period, so
    # a burst gets one reply.
    delay_ms = await reply_delay_for_message(tenant_id, message_id)
    # In a thread: a worker's enqueue waits for Redis to come back, and must not freeze the event loop.
    await asyncio.to_thread(enqueue, *DECIDE_ACTOR, tenant_id, message_id, delay_ms=delay_ms)


@dramatiq.actor(actor_name="replies.decide_reply", queue_name="replies", max_retries=10, min_backoff=2_000,
                time_limit=2 * 60 * 1000, on_retry_exhausted="ai.reply_gave_up")
async def decide_reply(tenant_id: str, message_id: str) -> None:
    # Live class: a hand-off, a thank-you, after hours, a curated answer or "not grounded" is decided
    # here without waiting behind other conversations' model calls; only what a model must write moves
    # on to the reply class (which decides again: the state may have changed in between).
    # A customer waits: as live-class work (shared.broker.ModelServerPriority) the query embedding goes
    # to the interactive embedding server, never behind a neighbour's ingestion on the background one.
    with tenant_lane(tenant_id):
        outcome = await handle_customer_message(await process_stores(), UUID(tenant_id), UUID(message_id),
                                                generate=False)
    if outcome.action == "generate":
        await asyncio.to_thread(enqueue, *GENERATE_ACTOR, tenant_id, message_id)


@dramatiq.actor(actor_name="ai.generate_reply", queue_name="ai", max_retries=3, min_backoff=5_000,
                max_backoff=60_000, time_limit=5 * 60 * 1000, on_retry_exhausted="ai.reply_gave_up")
async def generate_reply(tenant_id: str, message_id: str, llm_attempt: str = "0", released: str = "") -> None:
    attempt, delays = int(llm_attempt), retry_delays_ms()
    if attempt and not released and await llm_waiting.was_released(tenant_id, message_id, llm_attempt):
        return  # a release after the LLM outage ran this attempt already
    if await llm_waiting.others_waiting(tenant_id, message_id) and await llm_reachable():
        # The LLM is back and messages the outage caught are still waiting: they go first, oldest first.
        await _release_waiting(tenant_id, message_id)
        if not attempt and not released:
            await asyncio.to_thread(enqueue, *GENERATE_ACTOR, tenant_id, message_id, llm_attempt, "released")
            return  # a fresh message queues behind them
    try:
        # The seller's own lane on the shared model servers: one busy seller never starves another.
        with allow_llm_retry(attempt < len(delays)), tenant_lane(tenant_id):
            outcome = await handle_customer_message(await process_stores(), UUID(tenant_id), UUID(message_id))
    except LlmRetryLater:
        # The LLM is unreachable: the same job again shortly (a new message, not a Dramatiq retry, so
        # infrastructure retries keep their own budget); the last attempt hands off as llm_failed.
        await llm_waiting.wait_for_llm(tenant_id, message_id, attempt + 1)
        await asyncio.to_thread(enqueue, *GENERATE_ACTOR, tenant_id, message_id, str(attempt + 1),
                                delay_ms=delays[attempt])
    else:
        await llm_waiting.done_waiting(tenant_id, message_id)
        if outcome.action in ("drafted", "approved"):
            # The model just wrote a reply (where the look at the server could not tell, e.g. a busy
            # single-slot server): whatever the outage left waiting goes now, oldest first.
            await _release_waiting(tenant_id, message_id)


async def _release_waiting(tenant_id: str, running_message: str) -> None:
    for waiting_id, waiting_attempt in await llm_waiting.release_all(tenant_id, except_message=running_message):
        await asyncio.to_thread(enqueue, *GENERATE_ACTOR, tenant_id, waiting_id, waiting_attempt, "released")


@dramatiq.actor(actor_name="ai.reply_gave_up", queue_name="ai", max_retries=5, min_backoff=5_000)
async def reply_gave_up(message_data: dict, retry_info: dict) -> None:
    # Nothing is lost: after repeated failures the message waits for a person.
    tenant_id, message_id = message_data["args"][:2]
    await leave_for_human(tenant_id, message_id, "ai_error")
