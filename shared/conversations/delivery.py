"""Delivering an approved reply exactly once: claim, send through the channel's sender, record.

Only one attempt per reply runs at a time (a Postgres advisory lock held on its own connection for
the whole attempt; a killed worker's connection closes and releases it). Under that lock a row
found in 'sending' can only mean an earlier attempt was interrupted between send and record, so
the sender is asked to reconcile (`find_delivered`) before anything is sent again.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import ClassVar
from uuid import UUID

import msgspec

from shared.channels.registry import sender_for
from shared.channels.senders import (
    DeliveryReceipt,
    DeliveryUnknown,
    OutboundReply,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from shared.events.emit import stage_event
from shared.infra.postgres import engine
from shared.infra.retry_policy import retry_delay_ms
from shared.ops.metrics import DEAD_LETTERS, DELIVERIES
from shared.outbox.staging import publish
from shared.settings import Settings, load
from shared.tenancy.db import tenant_tx, tx_connection
from shared.tenancy.ids import parse_tenant_id

UNCERTAIN = ("Delivery uncertain: sending was interrupted and the channel cannot confirm whether the "
             "customer got this reply. Check the conversation on the platform before sending it again.")
logger = logging.getLogger("bokai.replies")


class DeliverySettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "REPLIES_DELIVERY_"
    max_retries: int = 8
    # shared.infra.retry_policy: exponential from base (2–4 s, 4–8 s, …) to max, never sooner than the
    # channel's Retry-After and never later than max.
    backoff_base_ms: int = 2_000
    backoff_max_ms: int = 15 * 60 * 1000


def delivery_settings() -> DeliverySettings:
    return load(DeliverySettings)


class RetryLater(Exception):
    """Nothing went out (or we still cannot tell); try again after ``delay_ms``."""

    def __init__(self, reason: str, delay_ms: int) -> None:
        super().__init__(reason)
        self.delay_ms = delay_ms


class DeliveryBusy(Exception):
    """Another worker is delivering this reply right now."""


def _retry_in(attempts: int, retry_after: float | None, settings: DeliverySettings) -> int:
    return retry_delay_ms(attempts, retry_after, base_ms=settings.backoff_base_ms, max_ms=settings.backoff_max_ms)


@asynccontextmanager
async def _delivery_lock(message_id: UUID) -> AsyncIterator[bool]:
    key = int.from_bytes(message_id.bytes[:8], "big", signed=True)
    async with engine().pool.acquire() as connection:
        acquired = await connection.fetchval("SELECT pg_try_advisory_lock($1)", key)
        try:
            yield acquired
        finally:
            if acquired:
                await connection.execute("SELECT pg_advisory_unlock($1)", key)




_LOAD = """
SELECT m.id, m.status, m.content, m.conversation_id, m.in_reply_to_id, m.meta, m.delivery_attempts,
       m.delivery_idempotency_key, c.platform, c.platform_conversation_id, c.channel_account_id, c.subject
  FROM messages m JOIN conversations c ON c.id = m.conversation_id
 WHERE m.id = $1 AND m.tenant_id = $2 AND m.direction = 'outbound'
   FOR UPDATE OF m
"""

_CLAIM = """
UPDATE messages SET status = 'sending', delivery_idempotency_key = COALESCE(delivery_idempotency_key, $2),
       delivery_attempts = delivery_attempts + 1, updated_at = now(),
       meta = CASE WHEN meta ? 'deliveryClaimedAt' THEN meta
                   ELSE meta || jsonb_build_object('deliveryClaimedAt', now()) END
 WHERE id = $1 AND status = 'approved'
RETURNING meta, delivery_attempts, delivery_idempotency_key
"""


def _json(value):
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


async def _claim(tenant_id: UUID, message_id: UUID) -> tuple[OutboundReply, bool, int] | None:
    """(reply, resumed, attempts) — resumed means an earlier attempt was interrupted mid-send."""
    async with tenant_tx(tenant_id):
        row = await tx_connection().fetchrow(_LOAD, message_id, tenant_id)
        if row is None or row["status"] not in ("approved", "sending"):
            return None  # discarded, already sent or failed: nothing to do (idempotent)
        resumed = row["status"] == "sending"
        meta, attempts, key = _json(row["meta"]), row["delivery_attempts"], row["delivery_idempotency_key"]
        if not resumed:
            claimed = await tx_connection().fetchrow(_CLAIM, message_id, f"bokai-{message_id}")
            meta, attempts, key = _json(claimed["meta"]), claimed["delivery_attempts"], claimed[
                "delivery_idempotency_key"]
        answered = await tx_connection().fetchrow(
            """SELECT platform_message_id, meta FROM messages
                WHERE conversation_id = $1 AND direction = 'inbound' AND ($2::uuid IS NULL OR id = $2)
                ORDER BY COALESCE(sent_at, created_at) DESC LIMIT 1""",
            row["conversation_id"], row["in_reply_to_id"])
    reply = OutboundReply(
        tenant_id=tenant_id, message_id=message_id, conversation_id=row["conversation_id"],
        channel_account_id=row["channel_account_id"], platform=row["platform"],
        platform_conversation_id=row["platform_conversation_id"], text=row["content"], idempotency_key=key,
        claimed_at=datetime.fromisoformat(meta["deliveryClaimedAt"]),
        in_reply_to_platform_message_id=answered["platform_message_id"] if answered else None,
        in_reply_to_meta=_json(answered["meta"]) if answered else {}, subject=row["subject"])
    return reply, resumed, attempts


async def _update(tenant_id: UUID, sql: str, *args) -> None:
    async with tenant_tx(tenant_id):
        await tx_connection().execute(sql, *args)


async def _record_sent(reply: OutboundReply, receipt: DeliveryReceipt) -> None:
    async with tenant_tx(reply.tenant_id):
        sent = await tx_connection().fetchrow(
            """UPDATE messages SET status = 'sent', delivered_at = $2, delivery_error = NULL, updated_at = now(),
                      platform_message_id = COALESCE($3, platform_message_id)
                WHERE id = $1 AND status = 'sending'
            RETURNING sender_type, in_reply_to_id""",
            reply.message_id, receipt.delivered_at, receipt.platform_message_id)
        await tx_connection().execute(
            """UPDATE conversations SET last_message_at = GREATEST(last_message_at, $2), updated_at = now()
                WHERE id = $1""", reply.conversation_id, receipt.delivered_at)
        jobs = [] if sent is None else await stage_event(reply.tenant_id, "reply.sent", {
            "replyId": reply.message_id, "conversationId": reply.conversation_id,
            "inReplyToMessageId": sent["in_reply_to_id"], "platform": reply.platform,
            "author": "ai" if sent["sender_type"] == "bot" else "person", "deliveredAt": receipt.delivered_at})
    await publish(*jobs)


# Why a reply failed, as the reply.failed event says it (the reply's delivery_error has the words).
FAILED_REFUSED, FAILED_UNCERTAIN, FAILED_RETRIES_EXHAUSTED = "refused", "delivery_uncertain", "retries_exhausted"
_FAILED_RETURNING = " RETURNING conversation_id, in_reply_to_id"


async def _stage_failed(tenant_id: UUID, message_id: UUID, failed, code: str) -> list:
    """In the transaction that made the reply 'failed'."""
    if failed is None:
        return []
    platform = await tx_connection().fetchval("SELECT platform FROM conversations WHERE id = $1",
                                              failed["conversation_id"])
    return await stage_event(tenant_id, "reply.failed", {
        "replyId": message_id, "conversationId": failed["conversation_id"],
        "inReplyToMessageId": failed["in_reply_to_id"], "platform": platform, "reason": code,
        "failedAt": datetime.now(timezone.utc)})


async def _fail(tenant_id: UUID, message_id: UUID, reason: str, code: str) -> None:
    async with tenant_tx(tenant_id):
        failed = await tx_connection().fetchrow(
            """UPDATE messages SET status = 'failed', delivery_error = left($2, 1000), updated_at = now()
                WHERE id = $1 AND status IN ('approved', 'sending')""" + _FAILED_RETURNING, message_id, reason)
        jobs = await _stage_failed(tenant_id, message_id, failed, code)
    await publish(*jobs)


async def deliver(tenant_id: UUID | str, message_id: UUID | str) -> str:
    """One delivery attempt; returns the outcome. Raises RetryLater / DeliveryBusy to be retried."""
    tenant_id, message_id = parse_tenant_id(tenant_id), UUID(str(message_id))
    settings = delivery_settings()
    async with _delivery_lock(message_id) as acquired:
        if not acquired:
            raise DeliveryBusy(str(message_id))
        claimed = await _claim(tenant_id, message_id)
        if claimed is None:
            return "nothing to do"
        reply, resumed, attempts = claimed
        try:
            sender = sender_for(reply.platform)
            if resumed:
                try:
                    receipt = await sender.find_delivered(reply)
                except DeliveryUnknown:
                    await _fail(tenant_id, message_id, UNCERTAIN, FAILED_UNCERTAIN)
                    DELIVERIES.labels(reply.platform, "uncertain").inc()
                    logger.warning("reply %s: delivery uncertain after an interrupted attempt", message_id)
                    return "uncertain"
                except TransientDeliveryError as problem:
                    # Still unknown whether it went out: stay 'sending' so the next try reconciles again.
                    DELIVERIES.labels(reply.platform, "retry").inc()
                    raise RetryLater(str(problem), _retry_in(attempts, problem.retry_after, settings)) from None
                if receipt is not None:
                    await _record_sent(reply, receipt)
                    DELIVERIES.labels(reply.platform, "sent_reconciled").inc()
                    return "sent (reconciled)"
                await _update(tenant_id, """UPDATE messages SET delivery_attempts = delivery_attempts + 1
                                             WHERE id = $1""", message_id)
                attempts += 1
            receipt = await sender.send(reply)
        except PermanentDeliveryError as refusal:
            await _fail(tenant_id, message_id, str(refusal), FAILED_REFUSED)
            DELIVERIES.labels(reply.platform, "refused").inc()
            logger.info("reply %s refused by %s", message_id, reply.platform)
            return "failed"
        except TransientDeliveryError as problem:
            # The channel said no before accepting anything: back to 'approved' so the retry sends.
            await _update(tenant_id, """UPDATE messages SET status = 'approved', updated_at = now(),
                                               delivery_error = left($2, 1000)
                                         WHERE id = $1 AND status = 'sending'""",
                          message_id, f"Not delivered yet, retrying: {problem}")
            DELIVERIES.labels(reply.platform, "retry").inc()
            raise RetryLater(str(problem), _retry_in(attempts, problem.retry_after, settings)) from None
        await _record_sent(reply, receipt)
        DELIVERIES.labels(reply.platform, "sent").inc()
        logger.info("reply %s delivered to %s (attempt %d)", message_id, reply.platform, attempts)
        return "sent"


async def give_up(tenant_id: UUID | str, message_id: UUID | str, retries: int) -> None:
    """Retries exhausted: the reply becomes a dead letter the seller sees in the conversation."""
    tenant_id, message_id = parse_tenant_id(tenant_id), UUID(str(message_id))
    async with _delivery_lock(message_id) as acquired:
        if not acquired:
            raise DeliveryBusy(str(message_id))
        async with tenant_tx(tenant_id):
            failed = await tx_connection().fetchrow("""
                UPDATE messages SET updated_at = now(), status = 'failed', delivery_error = left(
                       CASE WHEN status = 'sending' THEN $2
                            ELSE 'Not delivered after ' || delivery_attempts || ' attempts (' ||
                                 COALESCE(delivery_error, 'no answer from the channel') ||
                                 '). Check the channel connection, then send the reply again.' END, 1000)
                 WHERE id = $1 AND status IN ('approved', 'sending')
             RETURNING conversation_id, in_reply_to_id, delivery_error = $2 AS uncertain""", message_id, UNCERTAIN)
            code = FAILED_UNCERTAIN if failed and failed["uncertain"] else FAILED_RETRIES_EXHAUSTED
            jobs = await _stage_failed(tenant_id, message_id, failed, code)
        await publish(*jobs)
    DEAD_LETTERS.inc()
    logger.warning("reply %s: delivery gave up after %d retries", message_id, retries)
