"""Reading conversations and their messages: filters, search and keyset pagination (RLS-scoped)."""

from __future__ import annotations

from uuid import UUID

import msgspec

from shared.conversations.cursors import decode_cursor, encode_cursor, page_limit
from shared.conversations.errors import InvalidRequest, NotFound
from shared.conversations.schemas import (
    ConversationDetail,
    ConversationOrder,
    ConversationPage,
    ConversationView,
    DeliveryView,
    MessagePage,
    MessageView,
)
from shared.tenancy.db import tenant_tx, tx_connection

STATUSES = frozenset({"open", "waiting_for_human", "resolved"})
PLATFORMS = frozenset({"allegro", "amazon", "olx", "emag", "email", "generic"})
MAX_SEARCH_CHARS = 200
CONVERSATION_MISSING = "No such conversation."

# needs_human and the preview are computed here so list filters and views always agree.
_CONVERSATIONS = """
SELECT * FROM (
    SELECT c.id, c.platform, c.platform_conversation_id, c.channel_account_id, c.customer_name, c.subject,
           c.status, c.ai_mode, c.handoff_reason, c.last_message_at, c.created_at,
           CASE WHEN c.handoff_reason IS NOT NULL THEN (
               SELECT max(h.created_at) FROM handoff_log h
                WHERE h.conversation_id = c.id AND h.resolved_at IS NULL) END AS handoff_at,
           (SELECT jsonb_build_object('messageId', m.id, 'status', m.status, 'error', m.delivery_error,
                                      'attempts', m.delivery_attempts, 'deliveredAt', m.delivered_at,
                                      'updatedAt', m.updated_at)::text
              FROM messages m
             WHERE m.conversation_id = c.id AND m.direction = 'outbound'
               AND m.status IN ('approved', 'sending', 'sent', 'failed')
             ORDER BY m.updated_at DESC, m.id DESC LIMIT 1) AS last_delivery,
           (c.status = 'waiting_for_human' OR EXISTS (
               SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.direction = 'outbound'
                                          AND m.status IN ('draft', 'failed'))) AS needs_human,
           (SELECT left(m.content, 200) FROM messages m
             WHERE m.conversation_id = c.id AND m.status <> 'discarded'
             ORDER BY COALESCE(m.sent_at, m.created_at) DESC, m.id DESC LIMIT 1) AS preview
      FROM conversations c
     WHERE c.tenant_id = $1
       AND ($2::text IS NULL OR c.status = $2)
       AND ($3::text IS NULL OR c.platform = $3)
       AND ($4::text IS NULL OR c.customer_name ILIKE $4 OR EXISTS (
               SELECT 1 FROM messages m WHERE m.conversation_id = c.id AND m.content ILIKE $4))
       AND ($5::timestamptz IS NULL OR (c.last_message_at, c.id) < ($5, $6::uuid))
       AND ($7::uuid IS NULL OR c.id = $7)
       AND ($10::text IS NULL OR c.platform_conversation_id = $10)
) found
WHERE $8::bool IS NULL OR found.needs_human = $8
ORDER BY last_message_at DESC, id DESC
LIMIT $9
"""

_MESSAGES = """
SELECT id, conversation_id, direction, sender_type, sender_name, content, status, in_reply_to_id,
       attachments, citations, sent_at, delivered_at, delivery_attempts, delivery_error, created_at,
       updated_at, COALESCE(sent_at, created_at) AS shown_at,
       jsonb_build_object('verification', meta -> 'verification', 'model', meta -> 'model',
                          'modelQualified', meta -> 'modelQualified') AS meta
  FROM messages
 WHERE tenant_id = $1 AND conversation_id = $2
   AND ($3::timestamptz IS NULL OR (COALESCE(sent_at, created_at), id) > ($3, $4::uuid))
 ORDER BY COALESCE(sent_at, created_at), id
 LIMIT $5
"""


# The orders domain writes order_snapshots; read here as SQL so conversations need not import it.
_ORDERS = """
SELECT conversation_id, platform, order_id, snapshot::text AS snapshot, fetched_at, last_error
  FROM order_snapshots WHERE tenant_id = $1 AND conversation_id = ANY($2::uuid[])
"""


async def _with_orders(connection, tenant_id: UUID, views: list[ConversationView]) -> list[ConversationView]:
    """One query for the whole page: each conversation with the order it is tied to."""
    if not views:
        return views
    rows = await connection.fetch(_ORDERS, tenant_id, [v.id for v in views])
    orders = {r["conversation_id"]: ConversationOrder(
        platform=r["platform"], order_id=r["order_id"], snapshot=_json(r["snapshot"]) if r["snapshot"] else None,
        fetched_at=r["fetched_at"], last_error=r["last_error"]) for r in rows}
    return [msgspec.structs.replace(v, order=orders.get(v.id)) for v in views]


def conversation_view(row) -> ConversationView:
    return ConversationView(
        id=row["id"], platform=row["platform"], platform_conversation_id=row["platform_conversation_id"],
        channel_account_id=row["channel_account_id"], customer_name=row["customer_name"],
        subject=row["subject"], status=row["status"], ai_paused=row["ai_mode"] == "off",
        ai_mode=row["ai_mode"], handoff_reason=row["handoff_reason"], handoff_at=row["handoff_at"],
        needs_human=row["needs_human"], last_message_at=row["last_message_at"], last_message_preview=row["preview"],
        created_at=row["created_at"],
        last_delivery=msgspec.json.decode(row["last_delivery"], type=DeliveryView) if row["last_delivery"] else None)


def message_view(row) -> MessageView:
    return MessageView(
        id=row["id"], conversation_id=row["conversation_id"], direction=row["direction"],
        sender_type=row["sender_type"], sender_name=row["sender_name"], content=row["content"],
        status=row["status"], in_reply_to_id=row["in_reply_to_id"], attachments=_json(row["attachments"]),
        citations=_json(row["citations"]), verification=_verification(row), sent_at=row["sent_at"], delivered_at=row["delivered_at"],
        delivery_attempts=row["delivery_attempts"], delivery_error=row["delivery_error"],
        created_at=row["created_at"], updated_at=row["updated_at"])


def _verification(row) -> dict | None:
    meta = _json(row["meta"]) if "meta" in row.keys() else None
    if not meta or not meta.get("verification"):
        return None
    return {**meta["verification"], "model": meta.get("model"), "modelQualified": meta.get("modelQualified")}


def _json(value):
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


def _search_pattern(q: str | None) -> str | None:
    q = " ".join((q or "").split())
    if not q:
        return None
    if len(q) > MAX_SEARCH_CHARS:
        raise InvalidRequest("q", f"The search text is too long (max {MAX_SEARCH_CHARS} characters).")
    # The user's text is matched literally: % and _ are not wildcards for them.
    escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def list_conversations(tenant_id: UUID, *, status: str | None = None, platform: str | None = None,
                             needs_human: bool | None = None, q: str | None = None,
                             cursor: str | None = None, limit: int = 25,
                             platform_conversation_id: str | None = None) -> ConversationPage:
    """Most recent activity first (last_message_at DESC, id DESC); the cursor is opaque."""
    if status is not None and status not in STATUSES:
        raise InvalidRequest("status", f"status must be one of: {', '.join(sorted(STATUSES))}.")
    if platform is not None and platform not in PLATFORMS:
        raise InvalidRequest("platform", f"platform must be one of: {', '.join(sorted(PLATFORMS))}.")
    limit = page_limit(limit)
    after_at, after_id = decode_cursor(cursor) if cursor else (None, None)
    pattern = _search_pattern(q)
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        rows = await connection.fetch(_CONVERSATIONS, tenant_id, status, platform, pattern, after_at,
                                      after_id, None, needs_human, limit + 1, platform_conversation_id)
        items = await _with_orders(connection, tenant_id, [conversation_view(r) for r in rows[:limit]])
    more = len(rows) > limit
    return ConversationPage(items=items, next_cursor=encode_cursor(items[-1].last_message_at, items[-1].id)
                            if more else None)


async def _fetch_messages(connection, tenant_id: UUID, conversation_id: UUID, cursor: str | None,
                          limit: int) -> MessagePage:
    after_at, after_id = decode_cursor(cursor) if cursor else (None, None)
    rows = await connection.fetch(_MESSAGES, tenant_id, conversation_id, after_at, after_id, limit + 1)
    items = [message_view(r) for r in rows[:limit]]
    more = len(rows) > limit
    return MessagePage(items=items, next_cursor=encode_cursor(rows[limit - 1]["shown_at"], items[-1].id)
                       if more else None)


async def fetch_conversation(connection, tenant_id: UUID, conversation_id: UUID) -> ConversationView:
    """Inside an open tenant transaction; NotFound for missing and other sellers' ids alike."""
    rows = await connection.fetch(_CONVERSATIONS, tenant_id, None, None, None, None, None,
                                  conversation_id, None, 1, None)
    if not rows:
        raise NotFound(CONVERSATION_MISSING)
    [view] = await _with_orders(connection, tenant_id, [conversation_view(rows[0])])
    return view


async def get_conversation(tenant_id: UUID, conversation_id: UUID, *, messages_limit: int = 50) -> ConversationDetail:
    """The conversation with its first page of messages, oldest first."""
    messages_limit = page_limit(messages_limit, maximum=200)
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        conversation = await fetch_conversation(connection, tenant_id, conversation_id)
        messages = await _fetch_messages(connection, tenant_id, conversation_id, None, messages_limit)
    return ConversationDetail(conversation=conversation, messages=messages)


async def list_messages(tenant_id: UUID, conversation_id: UUID, *, cursor: str | None = None,
                        limit: int = 50) -> MessagePage:
    limit = page_limit(limit, maximum=200)
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        exists = await connection.fetchval(
            "SELECT 1 FROM conversations WHERE tenant_id = $1 AND id = $2", tenant_id, conversation_id)
        if not exists:
            raise NotFound(CONVERSATION_MISSING)
        return await _fetch_messages(connection, tenant_id, conversation_id, cursor, limit)
