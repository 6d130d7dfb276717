"""Turning a stored inbox event into its effect: a recorded customer message, an ingestion, order context.

Idempotent per event: a processed event is skipped, and each effect is itself idempotent
(messages are unique per conversation and platform id; a document leaves 'awaiting_upload' once).
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from uuid import UUID

import msgspec

from shared.channels import amazon
from shared.channels.binding import Binding, email_binding
from shared.channels.email import EMAIL_META_KEY
from shared.channels.emag import orders as emag_orders
from shared.channels.inbound import ORDER_REF_META_KEY, InboundMessage, order_ref, record_inbound_message
from shared.conversations.handoff import leave_for_human
from shared.inbox import automatic_mail
from shared.inbox.email_parsing import strip_quoted
from shared.inbox.schemas import EmagCallback, EmailPayload, GenericMessage, UploadNotification
from shared.orders.fetchers import snapshot_from_emag
from shared.orders.refresh import keep_fetched, refresh_order
from shared.outbox.staging import publish
from shared.tenancy.db import tenant_tx, tx_connection

logger = logging.getLogger("bokai.inbox")


class MalformedPayload(ValueError):
    """The stored payload cannot be processed, now or ever: the event ends 'failed' without retries."""


_CLAIM = """
UPDATE inbox_events SET attempts = attempts + 1
WHERE id = $1 AND status <> 'processed'
RETURNING source, event_type, payload::text, attempts
"""
_FINISH = "UPDATE inbox_events SET status = $2, error = $3, processed_at = $4 WHERE id = $1"
_EMAIL_THREAD = """
SELECT c.platform_conversation_id FROM conversations c
WHERE c.platform IN ('email', 'amazon', 'emag') AND (c.platform_conversation_id = ANY($1::text[]) OR EXISTS (
    SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.platform_message_id = ANY($1::text[])))
ORDER BY c.last_message_at DESC LIMIT 1
"""
# Automatic mail about a thread is kept in a conversation of its own beside the customer's (see
# _automatic_message), keyed by the thread's root behind this prefix.
AUTOMATIC_THREAD = "automatic:"


async def _execute(tenant_id: UUID, sql: str, *args: object) -> object:
    async with tenant_tx(tenant_id):
        return await tx_connection().fetchrow(sql, *args)


async def mark(tenant_id: UUID, event_id: UUID, status: str, error: str | None = None) -> None:
    done_at = datetime.now(timezone.utc) if status == "processed" else None
    await _execute(tenant_id, _FINISH, event_id, status, error and error[:1000], done_at)


def _channel_of(source: str) -> UUID | None:
    _, _, account = source.partition(":")
    try:
        return UUID(account)
    except ValueError:
        return None


async def _email_conversation(tenant_id: UUID, email: EmailPayload) -> str:
    """The thread this mail belongs to: any conversation holding a Message-ID it refers to, else a new
    one keyed by the thread's root Message-ID (first of References, else In-Reply-To, else its own)."""
    referenced = [*email.references, *([email.in_reply_to] if email.in_reply_to else [])]
    if referenced:
        row = await _execute(tenant_id, _EMAIL_THREAD, referenced)
        if row is not None:
            # A person answering mail we recorded as automatic starts the thread's customer conversation.
            return row[0].removeprefix(AUTOMATIC_THREAD)
    return (email.references or [email.in_reply_to or email.message_id])[0]


async def _marketplace_of(tenant_id: UUID, binding: Binding, email: EmailPayload) -> tuple[str, dict, str | None]:
    """(conversation platform, extra meta, customer name from an order) of a received mail.

    Amazon buyer mail (from a relay alias) is an Amazon conversation wherever it arrives; mail on an
    e-mail channel bound to eMAG is an eMAG conversation, enriched with the order it names. Either
    way that marketplace's reply rules apply to it.
    """
    if amazon.is_amazon_buyer_mail(email.from_address, email.reply_to):
        order_id = amazon.order_id_of(email.subject, email.text)
        return amazon.PLATFORM, {ORDER_REF_META_KEY: order_ref(amazon.PLATFORM, order_id)} if order_id else {}, None
    if binding.marketplace == "emag" and binding.marketplace_account_id is not None:
        meta, customer = await emag_orders.message_meta(tenant_id, binding.marketplace_account_id, email.subject,
                                                        email.text)
        return "emag", meta, customer
    return "email", {}, None


async def _message_from(tenant_id: UUID, source: str, event_type: str, payload: bytes) -> InboundMessage | None:
    try:
        if event_type == "message.created":
            generic = msgspec.json.decode(payload, type=GenericMessage)
            return InboundMessage(
                platform="generic", conversation_ref=generic.conversation_id, message_ref=generic.message_id,
                text=generic.text, sent_at=generic.sent_at, channel_account_id=_channel_of(source),
                customer_name=generic.customer.name, subject=generic.subject,
                attachments=[msgspec.to_builtins(a) for a in generic.attachments],
                meta={ORDER_REF_META_KEY: order_ref("generic", generic.order_id)} if generic.order_id else {})
        if event_type == "email.received":
            return await _email_message(tenant_id, _channel_of(source),
                                        msgspec.json.decode(payload, type=EmailPayload))
    except (msgspec.DecodeError, msgspec.ValidationError) as problem:
        raise MalformedPayload(f"stored payload is not a valid {event_type}: {problem}") from None
    return None


async def _email_message(tenant_id: UUID, channel: UUID | None, email: EmailPayload) -> InboundMessage:
    async with tenant_tx(tenant_id):
        binding = await email_binding(channel)
    thread = await _email_conversation(tenant_id, email)
    email_meta = {EMAIL_META_KEY: {"messageId": email.message_id, "references": email.references,
                                   "from": email.from_address, "replyTo": email.reply_to, "subject": email.subject}}
    robot = automatic_mail.classify(email, binding.own_address)
    if robot is not None:
        return _automatic_message(channel, email, thread, {**email_meta, "automatic": robot.as_meta()})
    platform, marketplace_meta, order_customer = await _marketplace_of(tenant_id, binding, email)
    return InboundMessage(
        platform=platform, conversation_ref=thread, message_ref=email.message_id, text=strip_quoted(email.text),
        sent_at=email.sent_at or datetime.now(timezone.utc), channel_account_id=channel,
        customer_name=email.from_name or order_customer or email.from_address, subject=email.subject,
        attachments=[msgspec.to_builtins(a) for a in email.attachments], meta={**marketplace_meta, **email_meta})


def _automatic_message(channel: UUID | None, email: EmailPayload, thread: str, meta: dict) -> InboundMessage:
    """Kept whole, in an e-mail conversation of its own: the reply agent reads every unanswered
    inbound message of a conversation as the customer's words (and a newer one would supersede the
    customer's pending question), so a bounce or an out-of-office must never sit among them."""
    return InboundMessage(
        platform="email", conversation_ref=AUTOMATIC_THREAD + thread, message_ref=email.message_id,
        text=email.text.strip(), sent_at=email.sent_at or datetime.now(timezone.utc), channel_account_id=channel,
        customer_name=email.from_name or email.from_address, subject=email.subject,
        attachments=[msgspec.to_builtins(a) for a in email.attachments], meta=meta, automatic=True)


async def process_event(tenant_id: str, event_id: str) -> str:
    """Returns the event's final status; raises (for a retry) only on infrastructure errors."""
    tenant, event = UUID(tenant_id), UUID(event_id)
    claimed = await _execute(tenant, _CLAIM, event)
    if claimed is None:
        return "processed"  # already done (redelivered job) or deleted with its tenant
    source, event_type, payload, attempts = claimed
    try:
        if event_type == "object.created":
            from shared.inbox.upload_processing import finish_upload  # the worker's stores, not the function's

            await finish_upload(tenant, msgspec.json.decode(payload, type=UploadNotification))
        elif event_type == "order.callback":
            # eMAG buyer messages arrive by e-mail (no messaging API); its callback says "order X changed",
            # so the order is read again and its context refreshed on the messages that named it.
            callback = msgspec.json.decode(payload, type=EmagCallback)
            account = _channel_of(source)
            if account is None:
                raise MalformedPayload("order callback without its eMAG channel")
            await emag_orders.apply_order_callback(tenant, account, callback.order_id)
            await refresh_order(tenant, "emag", callback.order_id)
        else:
            message = await _message_from(tenant, source, event_type, payload.encode())
            if message is None:
                raise MalformedPayload(f"unknown inbox event type {event_type!r}")
            recorded = await record_inbound_message(tenant, message)
            if isinstance(message.meta.get(emag_orders.ORDER_META_KEY), dict):
                await keep_fetched(tenant, recorded.conversation_id,
                                   snapshot_from_emag(message.meta[emag_orders.ORDER_META_KEY]))
            if message.automatic:
                # Never answered by the AI (no job was staged): a person sees it, with the reason.
                # Idempotent, so a retry after a crash here hands it over then.
                await leave_for_human(tenant, recorded.message_id, automatic_mail.HANDOFF_REASON)
            # The agent's job was committed with the message: a crash before this enqueue is
            # covered by the outbox relay, so a retry needs no second enqueue.
            await publish(recorded.agent_job)
    except (MalformedPayload, msgspec.DecodeError, msgspec.ValidationError) as problem:
        logger.warning("inbox event %s failed: %s", event, type(problem).__name__)
        await mark(tenant, event, "failed", str(problem))
        return "failed"
    except Exception as problem:
        await mark(tenant, event, "received", f"attempt {attempts}: {type(problem).__name__}: {problem}")
        raise
    await mark(tenant, event, "processed")
    return "processed"
