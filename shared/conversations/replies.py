"""Reply lifecycle: AI drafts, edits, approval, discarding and a human's manual reply.

The delivery job is written in the same transaction that makes a reply 'approved' (the outbox,
``shared.outbox``) and enqueued right after the commit; if Redis is unreachable then, the outbox
relay enqueues it. Every caller (the API, the AI agent) hands off to `replies.deliver` the same way,
and delivery itself is exactly-once per reply whatever the number of jobs.
"""

from __future__ import annotations

import uuid
from uuid import UUID

import asyncpg
import msgspec

from shared.conversations.errors import InvalidRequest, NotFound, ReplyAlreadyExists, StateConflict
from shared.conversations.queries import message_view
from shared.conversations.schemas import MessageView
from shared.events.emit import stage_event
from shared.outbox.staging import Job, publish, stage
from shared.tenancy.db import tenant_tx, tx_connection

DELIVER_ACTOR = ("replies", "replies.deliver")
MAX_REPLY_CHARS = 10_000
LIVE_STATUSES = ("draft", "approved", "sending", "sent")
REPLY_MISSING = "No such reply."
_ONE_LIVE_REPLY_INDEX = "messages_one_live_reply_idx"

_INSERT_REPLY = """
INSERT INTO messages (id, tenant_id, conversation_id, direction, sender_type, author_user_id, content,
                      status, in_reply_to_id, citations, meta, created_at, updated_at)
VALUES ($1, $2, $3, 'outbound', $4, $5, $6, $7, $8, $9::jsonb, $10::jsonb, now(), now())
RETURNING *
"""

# A human acting on a conversation answers its "waiting for a human" state.
_HUMAN_ACTED = """
UPDATE conversations SET status = 'open', updated_at = now()
 WHERE id = $1 AND tenant_id = $2 AND status = 'waiting_for_human'
"""




def _clean_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidRequest("text", "The reply is empty; write something to send.")
    if len(text) > MAX_REPLY_CHARS:
        raise InvalidRequest("text", f"The reply is too long (max {MAX_REPLY_CHARS} characters).")
    return text


def _json(value: object) -> str:
    return msgspec.json.encode(value).decode()


async def _stage_delivery(tenant_id: UUID, reply_id: UUID) -> Job:
    """Inside the transaction that approves the reply."""
    return await stage(tenant_id, *DELIVER_ACTOR, str(tenant_id), str(reply_id))


async def create_ai_reply(tenant_id: UUID, customer_message_id: UUID, text: str, *, approved: bool = False,
                          citations: list[dict] | None = None, meta: dict | None = None) -> MessageView:
    """The AI agent's reply to one customer message: a draft, or approved (then delivered).

    Raises ReplyAlreadyExists when the message already has a live reply, and StateConflict when a
    person has taken the conversation over (the AI is paused there).
    """
    text = _clean_text(text)
    try:
        async with tenant_tx(tenant_id):
            connection = tx_connection()
            target = await connection.fetchrow(
                """SELECT m.conversation_id, m.direction, c.ai_mode, c.platform FROM messages m
                     JOIN conversations c ON c.id = m.conversation_id
                    WHERE m.id = $1 AND m.tenant_id = $2""", customer_message_id, tenant_id)
            if target is None or target["direction"] != "inbound":
                raise NotFound("No such customer message.")
            if target["ai_mode"] == "off":
                raise StateConflict("A person has taken this conversation over; the AI does not reply in it.")
            row = await connection.fetchrow(
                _INSERT_REPLY, uuid.uuid4(), tenant_id, target["conversation_id"], "bot", None, text,
                "approved" if approved else "draft", customer_message_id, _json(citations or []), _json(meta or {}))
            jobs = [await _stage_delivery(tenant_id, row["id"])] if approved else await stage_event(
                tenant_id, "reply.drafted", {"replyId": row["id"], "conversationId": row["conversation_id"],
                                             "inReplyToMessageId": customer_message_id,
                                             "platform": target["platform"], "draftedAt": row["created_at"]})
    except asyncpg.UniqueViolationError as conflict:
        if conflict.constraint_name == _ONE_LIVE_REPLY_INDEX:
            raise ReplyAlreadyExists(customer_message_id) from None
        raise
    await publish(*jobs)
    return message_view(row)


async def _reply_for_update(tenant_id: UUID, reply_id: UUID):
    row = await tx_connection().fetchrow(
        "SELECT * FROM messages WHERE id = $1 AND tenant_id = $2 AND direction = 'outbound' FOR UPDATE",
        reply_id, tenant_id)
    if row is None:
        raise NotFound(REPLY_MISSING)
    return row


async def edit_draft(tenant_id: UUID, user_id: UUID, reply_id: UUID, text: str) -> MessageView:
    text = _clean_text(text)
    async with tenant_tx(tenant_id):
        current = await _reply_for_update(tenant_id, reply_id)
        if current["status"] != "draft":
            raise StateConflict(f"Only drafts can be edited; this reply is {current['status']}.")
        row = await tx_connection().fetchrow(
            """UPDATE messages SET content = $3, meta = meta || $4::jsonb, updated_at = now()
                WHERE id = $1 AND tenant_id = $2 RETURNING *""",
            reply_id, tenant_id, text, _json({"editedByUserId": str(user_id)}))
    return message_view(row)


async def approve(tenant_id: UUID, user_id: UUID, reply_id: UUID) -> MessageView:
    """draft → approved with its delivery job. Approving again is a no-op (no second delivery)."""
    async with tenant_tx(tenant_id):
        current = await _reply_for_update(tenant_id, reply_id)
        if current["status"] in ("approved", "sending", "sent"):
            return message_view(current)
        if current["status"] != "draft":
            raise StateConflict(f"This reply is {current['status']} and cannot be approved; "
                                "write a new reply instead.")
        row = await tx_connection().fetchrow(
            """UPDATE messages SET status = 'approved', meta = meta || $3::jsonb, updated_at = now()
                WHERE id = $1 AND tenant_id = $2 RETURNING *""",
            reply_id, tenant_id, _json({"approvedByUserId": str(user_id)}))
        await tx_connection().execute(_HUMAN_ACTED, row["conversation_id"], tenant_id)
        job = await _stage_delivery(tenant_id, reply_id)
    await publish(job)
    return message_view(row)


async def discard(tenant_id: UUID, user_id: UUID, reply_id: UUID) -> MessageView:
    """A draft, an approved reply not yet picked up for sending, or a failed one (to clear it)."""
    async with tenant_tx(tenant_id):
        current = await _reply_for_update(tenant_id, reply_id)
        if current["status"] == "discarded":
            return message_view(current)
        if current["status"] not in ("draft", "approved", "failed"):
            raise StateConflict(f"This reply is {current['status']} and can no longer be discarded.")
        row = await tx_connection().fetchrow(
            """UPDATE messages SET status = 'discarded', meta = meta || $3::jsonb, updated_at = now()
                WHERE id = $1 AND tenant_id = $2 RETURNING *""",
            reply_id, tenant_id, _json({"discardedByUserId": str(user_id)}))
    return message_view(row)


async def _reply_target(tenant_id: UUID, conversation_id: UUID, explicit: UUID | None):
    """The customer message a manual reply answers: the one named, else the latest one."""
    if explicit is not None:
        row = await tx_connection().fetchrow(
            """SELECT id FROM messages WHERE id = $1 AND tenant_id = $2 AND conversation_id = $3
                 AND direction = 'inbound'""", explicit, tenant_id, conversation_id)
        if row is None:
            raise InvalidRequest("inReplyToMessageId", "That customer message is not in this conversation.")
        return row["id"]
    return await tx_connection().fetchval(
        """SELECT id FROM messages WHERE tenant_id = $1 AND conversation_id = $2 AND direction = 'inbound'
            ORDER BY COALESCE(sent_at, created_at) DESC, id DESC LIMIT 1""", tenant_id, conversation_id)


async def manual_reply(tenant_id: UUID, user_id: UUID, conversation_id: UUID, text: str,
                       in_reply_to_message_id: UUID | None = None) -> MessageView:
    """A person's reply, approved at once. A pending AI draft for the same customer message is
    discarded in the same transaction; an already answered message gets a follow-up instead."""
    text = _clean_text(text)
    try:
        async with tenant_tx(tenant_id):
            connection = tx_connection()
            # Locking the conversation serialises two people replying in it at the same moment.
            if await connection.fetchval("SELECT 1 FROM conversations WHERE id = $1 AND tenant_id = $2 FOR UPDATE",
                                         conversation_id, tenant_id) is None:
                raise NotFound("No such conversation.")
            target = await _reply_target(tenant_id, conversation_id, in_reply_to_message_id)
            live = None if target is None else await connection.fetchrow(
                """SELECT id, status FROM messages WHERE in_reply_to_id = $1 AND tenant_id = $2
                     AND direction = 'outbound' AND status = ANY($3::text[]) FOR UPDATE""",
                target, tenant_id, list(LIVE_STATUSES))
            if live is not None and live["status"] in ("approved", "sending"):
                raise StateConflict("A reply to this message is being sent right now; "
                                    "wait until it is sent, then write a follow-up.")
            if live is not None and live["status"] == "draft":
                await connection.execute(
                    """UPDATE messages SET status = 'discarded', meta = meta || $2::jsonb, updated_at = now()
                        WHERE id = $1""", live["id"], _json({"replacedByManualReply": True}))
            # A message already answered gets a follow-up not tied to it (the one-live-reply rule).
            in_reply_to = None if live is not None and live["status"] == "sent" else target
            row = await connection.fetchrow(
                _INSERT_REPLY, uuid.uuid4(), tenant_id, conversation_id, "agent", user_id, text, "approved",
                in_reply_to, "[]", _json({"approvedByUserId": str(user_id)}))
            await connection.execute(_HUMAN_ACTED, conversation_id, tenant_id)
            job = await _stage_delivery(tenant_id, row["id"])
    except asyncpg.UniqueViolationError as conflict:
        if conflict.constraint_name == _ONE_LIVE_REPLY_INDEX:
            raise ReplyAlreadyExists(in_reply_to_message_id) from None
        raise
    await publish(job)
    return message_view(row)
