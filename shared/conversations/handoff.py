"""Who answers a conversation: taking it over from the AI, handing it back, resolving, reopening."""

from __future__ import annotations

from uuid import UUID

from shared.conversations.errors import NotFound
from shared.conversations.queries import CONVERSATION_MISSING, fetch_conversation
from shared.conversations.schemas import ConversationView
from shared.events.emit import stage_event
from shared.outbox.staging import Job, publish
from shared.tenancy.db import tenant_tx, tx_connection

# Each change is one conditional UPDATE, so repeating an action is harmless.
_CHANGES = {
    # ai_mode 'off' pauses the AI in this conversation only; the tenant default is untouched.
    "take_over": "ai_mode = 'off'",
    # NULL, not 'auto': the conversation follows the tenant's default again.
    "hand_back": "ai_mode = NULL, handoff_reason = NULL",
    "resolve": "status = 'resolved', handoff_reason = NULL",
    "reopen": "status = 'open'",
}

# The handoff log keeps what resolving clears from the conversation: when a handoff ended.
_ENDS_HANDOFF = ("hand_back", "resolve")
_END_HANDOFFS = "UPDATE handoff_log SET resolved_at = now() WHERE conversation_id = $1 AND resolved_at IS NULL"


async def _change(tenant_id: UUID, conversation_id: UUID, action: str) -> ConversationView:
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        changed = await connection.fetchval(
            f"UPDATE conversations SET {_CHANGES[action]}, updated_at = now() "
            "WHERE id = $1 AND tenant_id = $2 RETURNING id", conversation_id, tenant_id)
        if changed is None:
            raise NotFound(CONVERSATION_MISSING)
        if action in _ENDS_HANDOFF:
            await connection.execute(_END_HANDOFFS, conversation_id)
        return await fetch_conversation(connection, tenant_id, conversation_id)


async def take_over(tenant_id: UUID, conversation_id: UUID) -> ConversationView:
    return await _change(tenant_id, conversation_id, "take_over")


async def hand_back(tenant_id: UUID, conversation_id: UUID) -> ConversationView:
    return await _change(tenant_id, conversation_id, "hand_back")


async def resolve(tenant_id: UUID, conversation_id: UUID) -> ConversationView:
    return await _change(tenant_id, conversation_id, "resolve")


async def reopen(tenant_id: UUID, conversation_id: UUID) -> ConversationView:
    return await _change(tenant_id, conversation_id, "reopen")


# The conversation waits for a person, unless a reply in one of `$3`'s states already answers the
# message; `$4` false keeps the first reason of a conversation that already waits. Waiting already
# for the same reason changes nothing (a repeated job logs and announces no second handoff).
_WAIT_FOR_PERSON = """
UPDATE conversations c
   SET status = 'waiting_for_human', handoff_reason = $2, updated_at = now()
  FROM messages m
 WHERE m.id = $1 AND m.direction = 'inbound' AND c.id = m.conversation_id
   AND ($4 OR c.status <> 'waiting_for_human')
   AND NOT (c.status = 'waiting_for_human' AND c.handoff_reason IS NOT DISTINCT FROM $2)
   AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.in_reply_to_id = m.id AND r.status = ANY($3::text[]))
RETURNING c.id, c.tenant_id, c.platform, c.channel_account_id, c.updated_at"""
_LOG_HANDOFF = """
INSERT INTO handoff_log (id, tenant_id, conversation_id, message_id, reason, created_at)
VALUES (gen_random_uuid(), $1, $2, $3, $4, now())
"""


async def _record_handoff(conversation, message_id: UUID, reason: str) -> list[Job]:
    """In the handing-over transaction: the handoff log row and the conversation.needs_human event."""
    await tx_connection().execute(_LOG_HANDOFF, conversation["tenant_id"], conversation["id"], message_id, reason)
    return await stage_event(conversation["tenant_id"], "conversation.needs_human", {
        "conversationId": conversation["id"], "messageId": message_id, "reason": reason,
        "platform": conversation["platform"], "channelAccountId": conversation["channel_account_id"],
        "handedOverAt": conversation["updated_at"]})


async def _wait_for_person(tenant_id: UUID | str, message_id: UUID | str, reason: str, *,
                           answered_by: tuple[str, ...], replace_reason: bool) -> bool:
    message_id, reason = UUID(str(message_id)), reason[:50]
    async with tenant_tx(tenant_id):
        changed = await tx_connection().fetchrow(_WAIT_FOR_PERSON, message_id, reason, list(answered_by),
                                                 replace_reason)
        jobs = [] if changed is None else await _record_handoff(changed, message_id, reason)
    await publish(*jobs)
    return changed is not None


async def leave_for_human(tenant_id: UUID | str, message_id: UUID | str, reason: str = "ai_not_enabled") -> bool:
    """Hand the customer message to a person: the conversation waits for a human, with the reason
    (complaint, angry, no_grounding, llm_failed, after_hours, ...) shown to the seller.

    Idempotent, and a no-op when the message is already answered or unknown (deleted tenant).
    """
    return await _wait_for_person(tenant_id, message_id, reason,
                                  answered_by=("draft", "approved", "sending", "sent"), replace_reason=False)


async def close_thanked(tenant_id: UUID | str, message_id: UUID | str) -> bool:
    """A customer's plain "thank you" needs no reply: the conversation is resolved, unless it already
    waits for a person (their open problem is not closed by politeness)."""
    async with tenant_tx(tenant_id):
        changed = await tx_connection().fetchval(
            """UPDATE conversations c SET status = 'resolved', updated_at = now()
                 FROM messages m
                WHERE m.id = $1 AND m.direction = 'inbound' AND c.id = m.conversation_id
                  AND c.status NOT IN ('waiting_for_human', 'resolved')
            RETURNING c.id""", UUID(str(message_id)))
        if changed is not None:
            await tx_connection().execute(_END_HANDOFFS, changed)
    return changed is not None


async def hold_draft_for_person(tenant_id: UUID | str, message_id: UUID | str, reason: str) -> bool:
    """The AI's draft waits for the seller with the reason it was not sent (policy guard, uncertain
    intent). Unlike `leave_for_human`, a draft reply does not make this a no-op; an approved or sent
    one does (nothing waits any more)."""
    return await _wait_for_person(tenant_id, message_id, reason,
                                  answered_by=("approved", "sending", "sent"), replace_reason=True)
