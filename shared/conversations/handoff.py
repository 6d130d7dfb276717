"""Who answers a conversation: taking it over from the AI, handing it back, resolving, reopening."""

from __future__ import annotations

from uuid import UUID

from shared.conversations.errors import NotFound
from shared.conversations.queries import CONVERSATION_MISSING, fetch_conversation
from shared.conversations.schemas import ConversationView
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


async def _change(tenant_id: UUID, conversation_id: UUID, action: str) -> ConversationView:
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        changed = await connection.fetchval(
            f"UPDATE conversations SET {_CHANGES[action]}, updated_at = now() "
            "WHERE id = $1 AND tenant_id = $2 RETURNING id", conversation_id, tenant_id)
        if changed is None:
            raise NotFound(CONVERSATION_MISSING)
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
# message; `$4` false keeps the first reason of a conversation that already waits.
_WAIT_FOR_PERSON = """
UPDATE conversations c
   SET status = 'waiting_for_human', handoff_reason = $2, updated_at = now()
  FROM messages m
 WHERE m.id = $1 AND m.direction = 'inbound' AND c.id = m.conversation_id
   AND ($4 OR c.status <> 'waiting_for_human')
   AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.in_reply_to_id = m.id AND r.status = ANY($3::text[]))
RETURNING c.id"""


async def _wait_for_person(tenant_id: UUID | str, message_id: UUID | str, reason: str, *,
                           answered_by: tuple[str, ...], replace_reason: bool) -> bool:
    async with tenant_tx(tenant_id):
        changed = await tx_connection().fetchval(_WAIT_FOR_PERSON, UUID(str(message_id)), reason[:50],
                                                 list(answered_by), replace_reason)
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
    return changed is not None


async def hold_draft_for_person(tenant_id: UUID | str, message_id: UUID | str, reason: str) -> bool:
    """The AI's draft waits for the seller with the reason it was not sent (policy guard, uncertain
    intent). Unlike `leave_for_human`, a draft reply does not make this a no-op; an approved or sent
    one does (nothing waits any more)."""
    return await _wait_for_person(tenant_id, message_id, reason,
                                  answered_by=("approved", "sending", "sent"), replace_reason=True)
