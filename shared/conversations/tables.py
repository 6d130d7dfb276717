"""Conversations with customers and every message in them (customer, AI draft, human reply)."""

from piccolo.columns import JSONB, UUID, ForeignKey, Integer, OnDelete, Text, Timestamptz, Varchar
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table

from shared.accounts.tables import Tenant, User
from shared.channels.tables import ChannelAccount


class Conversation(Table, tablename="conversations"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    channel_account_id = ForeignKey(
        references=ChannelAccount, null=True, default=None, on_delete=OnDelete.set_null
    )
    platform = Varchar(length=30, null=False)  # allegro | amazon | olx | emag | generic
    platform_conversation_id = Varchar(length=255, null=False)
    customer_name = Varchar(length=255, null=True, default=None)
    subject = Varchar(length=500, null=True, default=None)
    # open | waiting_for_human | resolved
    status = Varchar(length=30, default="open", null=False)
    # auto | draft | off — overrides the tenant default when set; "off" means a human took over.
    ai_mode = Varchar(length=10, null=True, default=None)
    # Why a human is needed (complaint, return, angry, no_grounding, llm_failed, after_hours, ...).
    handoff_reason = Varchar(length=50, null=True, default=None)
    last_message_at = Timestamptz(default=TimestamptzNow())
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class Message(Table, tablename="messages"):
    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    conversation_id = ForeignKey(references=Conversation, null=False, on_delete=OnDelete.cascade)
    # Set for messages that came from (or were delivered to) the platform; unique per conversation.
    platform_message_id = Varchar(length=255, null=True, default=None)
    direction = Varchar(length=10, null=False)  # inbound | outbound
    sender_type = Varchar(length=20, null=False)  # customer | bot | agent
    sender_name = Varchar(length=255, null=True, default=None)
    author_user_id = ForeignKey(references=User, null=True, default=None, on_delete=OnDelete.set_null)
    content = Text(null=False)
    attachments = JSONB(default=[], null=False)
    # Outbound only: draft | approved | sending | sent | failed | discarded. Inbound: received.
    status = Varchar(length=20, default="received", null=False)
    # Outbound only: the customer message this reply answers (at most one live reply each).
    in_reply_to_id = UUID(null=True, default=None)
    # Channel specifics that do not deserve columns (email Message-ID/References, Allegro type, ...).
    meta = JSONB(default={}, null=False)
    delivered_at = Timestamptz(null=True, default=None)
    # Exactly-once delivery: the key sent to the platform and checked before any retry.
    delivery_idempotency_key = Varchar(length=100, null=True, default=None)
    delivery_attempts = Integer(default=0, null=False)
    delivery_error = Varchar(length=1000, null=True, default=None)
    # Chunks the AI cited for this reply: [{documentId, chunkIndex, score}].
    citations = JSONB(default=[], null=False)
    # The platform's own timestamp (may be days old for late-verified Allegro messages).
    sent_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class HandoffLog(Table, tablename="handoff_log"):
    """Every time a conversation was handed to a person, and when that ended (the conversation keeps
    only its current reason, which resolving clears)."""

    id = UUID(primary_key=True)
    tenant_id = ForeignKey(references=Tenant, null=False, on_delete=OnDelete.cascade)
    conversation_id = ForeignKey(references=Conversation, null=False, on_delete=OnDelete.cascade)
    # The customer message that was handed over.
    message_id = UUID(null=True, default=None)
    reason = Varchar(length=50, null=False)
    created_at = Timestamptz(default=TimestamptzNow())
    # Resolved, or handed back to the AI.
    resolved_at = Timestamptz(null=True, default=None)
