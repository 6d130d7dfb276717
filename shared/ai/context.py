"""Everything the reply agent needs to know about one customer message, read in one tenant transaction."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.ai.prompt import HistoryItem
from shared.tenancy.db import tenant_tx, tx_connection

HISTORY_LIMIT = 12

_MESSAGE = """
SELECT m.id, m.conversation_id, m.direction, m.content, c.platform, c.ai_mode, c.status,
       t.name AS tenant_name, t.subscription_plan, t.subscription_status, a.status AS channel_status
  FROM messages m
  JOIN conversations c ON c.id = m.conversation_id
  JOIN tenants t ON t.id = m.tenant_id
  LEFT JOIN channel_accounts a ON a.id = c.channel_account_id
 WHERE m.id = $1
"""

_RECENT = """
SELECT id, direction, status, content, in_reply_to_id, created_at
  FROM messages
 WHERE conversation_id = $1 AND status NOT IN ('discarded', 'failed')
 -- Arrival order, not the platform's timestamp: a late-verified Allegro message carries a days-old
 -- createdAt but is news to us, and must not count as already superseded.
 ORDER BY created_at DESC, id DESC
 LIMIT $2
"""


@dataclass(frozen=True, slots=True)
class ReplyContext:
    tenant_id: UUID
    tenant_name: str
    plan: str
    subscription_status: str
    conversation_id: UUID
    platform: str
    ai_mode: str | None
    # The conversation's channel: "paused" means nothing is generated or sent until it is resumed.
    channel_status: str | None
    message_id: UUID
    # A newer customer message exists: its own (debounced) job answers the burst instead.
    superseded: bool
    already_answered: bool
    # Customer messages since our last reply, oldest first: the burst answered in one reply.
    unanswered: list[str]
    history: list[HistoryItem]


async def load_context(tenant_id: UUID, message_id: UUID) -> ReplyContext | None:
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        row = await connection.fetchrow(_MESSAGE, message_id)
        if row is None or row["direction"] != "inbound":
            return None
        recent = await connection.fetch(_RECENT, row["conversation_id"], HISTORY_LIMIT * 2)
    recent = list(reversed(recent))  # oldest first
    answered = any(r["in_reply_to_id"] == message_id for r in recent if r["direction"] == "outbound")
    last_outbound = max((i for i, r in enumerate(recent) if r["direction"] == "outbound"), default=-1)
    unanswered_rows = [r for r in recent[last_outbound + 1:] if r["direction"] == "inbound"]
    latest_inbound = next((r["id"] for r in reversed(recent) if r["direction"] == "inbound"), None)
    history = [HistoryItem(r["direction"] == "inbound", r["content"]) for r in recent[:last_outbound + 1]
               if r["direction"] == "inbound" or r["status"] == "sent"][-HISTORY_LIMIT:]
    return ReplyContext(
        tenant_id=tenant_id, tenant_name=row["tenant_name"], plan=row["subscription_plan"],
        subscription_status=row["subscription_status"], conversation_id=row["conversation_id"],
        platform=row["platform"], ai_mode=row["ai_mode"], channel_status=row["channel_status"],
        message_id=message_id,
        superseded=latest_inbound is not None and latest_inbound != message_id,
        already_answered=answered, unanswered=[r["content"] for r in unanswered_rows] or [row["content"]],
        history=history,
    )
