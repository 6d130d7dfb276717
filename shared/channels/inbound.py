"""Recording a customer's message exactly once, whatever channel or poll delivered it (again).

The one door every channel's inbound message goes through (polling syncs, webhooks, e-mail): it
writes the conversation and message rows and stages the AI seam's job, importing nothing of the
conversations domain, so conversations may depend on channels (delivery) without a cycle.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone
from uuid import UUID

import msgspec

from shared.infra.storable_text import storable, storable_text
from shared.outbox.staging import Job, stage
from shared.tenancy.db import tenant_tx, tx_connection

# Enqueued (by name) once per newly stored customer message; the AI reply agent plugs in here.
CUSTOMER_MESSAGE_ACTOR = ("replies", "replies.handle_customer_message")
# meta key of the order a message is about, taken from the platform's own data (never from the
# customer's words): {"platform", "orderId", "accountId"?}. It ties the conversation to that order
# (order_snapshots, shared/orders: read here as SQL so channels need not import the orders domain).
ORDER_REF_META_KEY = "orderRef"


@dataclass(frozen=True, slots=True)
class InboundMessage:
    platform: str  # allegro | olx | emag | email | generic
    conversation_ref: str  # the platform's thread / conversation id (email: the thread's root Message-ID)
    message_ref: str  # the platform's message id, unique within the conversation
    text: str
    sent_at: datetime  # the platform's timestamp: may be days old (late-verified Allegro messages)
    channel_account_id: UUID | None = None
    customer_name: str | None = None
    subject: str | None = None
    attachments: list[dict] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    # Mail no person wrote (shared/inbox/automatic_mail.py): recorded, but no AI job is staged for it.
    automatic: bool = False


@dataclass(frozen=True, slots=True)
class RecordedMessage:
    message_id: UUID
    conversation_id: UUID
    is_new: bool
    # The agent's job, committed with a new message (shared.outbox): ``publish`` it after the call.
    agent_job: Job | None = None


_UPSERT_CONVERSATION = """
INSERT INTO conversations (id, tenant_id, channel_account_id, platform, platform_conversation_id,
                           customer_name, subject, status, last_message_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, now(), now())
ON CONFLICT (tenant_id, platform, platform_conversation_id) DO UPDATE
    SET last_message_at = GREATEST(conversations.last_message_at, EXCLUDED.last_message_at),
        customer_name = COALESCE(conversations.customer_name, EXCLUDED.customer_name),
        subject = COALESCE(conversations.subject, EXCLUDED.subject),
        -- A resolved conversation the customer writes to again needs attention again.
        status = CASE WHEN conversations.status = 'resolved' THEN 'open' ELSE conversations.status END,
        updated_at = now()
RETURNING id
"""

_INSERT_MESSAGE = """
INSERT INTO messages (id, tenant_id, conversation_id, platform_message_id, direction, sender_type,
                      sender_name, content, attachments, status, meta, sent_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, 'inbound', 'customer', $5, $6, $7::jsonb, 'received', $8::jsonb, $9, now(), now())
ON CONFLICT (conversation_id, platform_message_id) DO NOTHING
RETURNING id
"""

_LINK_ORDER = """
INSERT INTO order_snapshots (id, tenant_id, conversation_id, account_id, platform, order_id, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, now(), now())
ON CONFLICT (conversation_id) DO NOTHING
"""


def order_ref(platform: str, order_id: str, account_id: UUID | None = None) -> dict:
    """The meta entry tying a message's conversation to an order."""
    return {"platform": platform, "orderId": order_id, "accountId": str(account_id) if account_id else None}


async def _link_order(connection, tenant_id: UUID, conversation_id: UUID, meta: dict) -> None:
    ref = meta.get(ORDER_REF_META_KEY)
    if not isinstance(ref, dict) or not str(ref.get("orderId") or "").strip():
        return
    try:
        account_id = UUID(ref["accountId"]) if ref.get("accountId") else None
    except (ValueError, TypeError):
        account_id = None
    # The first order a conversation is tied to stays its order.
    await connection.execute(_LINK_ORDER, uuid.uuid4(), tenant_id, conversation_id, account_id,
                             str(ref.get("platform") or "")[:30], str(ref["orderId"]).strip()[:100])


async def record_inbound_message(tenant_id: UUID, message: InboundMessage) -> RecordedMessage:
    """Store the message unless it is already stored, with the agent's job in the same transaction.

    Idempotent by (conversation, platform message id): webhooks delivered five times, overlapping
    polling windows and re-scans all end here and store one row. Call it outside any transaction;
    then ``publish(recorded.agent_job)``: if that enqueue fails the outbox relay enqueues the job,
    so a message stored is never left without its ``CUSTOMER_MESSAGE_ACTOR`` job — unless it is
    ``automatic``: then no job at all, and the caller hands it to a person.
    """
    message = _storable(message)
    sent_at = message.sent_at if message.sent_at.tzinfo else message.sent_at.replace(tzinfo=timezone.utc)
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        conversation_id = await connection.fetchval(
            _UPSERT_CONVERSATION, uuid.uuid4(), tenant_id, message.channel_account_id, message.platform,
            message.conversation_ref[:255], (message.customer_name or None) and message.customer_name[:255],
            (message.subject or None) and message.subject[:500], sent_at,
        )
        message_id = await connection.fetchval(
            _INSERT_MESSAGE, uuid.uuid4(), tenant_id, conversation_id, message.message_ref[:255],
            (message.customer_name or None) and message.customer_name[:255], message.text,
            msgspec.json.encode(message.attachments).decode(), msgspec.json.encode(message.meta).decode(),
            sent_at,
        )
        await _link_order(connection, tenant_id, conversation_id, message.meta)
        if message_id is not None:
            job = None if message.automatic else await stage(
                tenant_id, *CUSTOMER_MESSAGE_ACTOR, str(tenant_id), str(message_id))
            return RecordedMessage(message_id, conversation_id, True, job)
        existing = await connection.fetchval(
            "SELECT id FROM messages WHERE conversation_id = $1 AND platform_message_id = $2",
            conversation_id, message.message_ref[:255])
    return RecordedMessage(existing, conversation_id, False)


def _storable(message: InboundMessage) -> InboundMessage:
    """Every channel's text as PostgreSQL can store it. Polled text is the platform's, byte for byte:
    one NUL or half an emoji used to fail the insert on every poll, so the account's sync never got
    past that message (and its watermark never moved)."""
    return replace(
        message, conversation_ref=storable_text(message.conversation_ref),
        message_ref=storable_text(message.message_ref), text=storable_text(message.text),
        customer_name=message.customer_name and storable_text(message.customer_name),
        subject=message.subject and storable_text(message.subject),
        attachments=storable(message.attachments), meta=storable(message.meta))
