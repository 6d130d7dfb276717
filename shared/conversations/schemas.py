"""Conversations API shapes (camelCase at the edge); every new field has a default."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class MessageView(msgspec.Struct, rename="camel", kw_only=True):
    id: UUID
    conversation_id: UUID
    direction: str  # inbound | outbound
    sender_type: str  # customer | bot | agent
    sender_name: str | None = None
    content: str
    # inbound: received; outbound: draft | approved | sending | sent | failed | discarded
    status: str
    in_reply_to_id: UUID | None = None
    attachments: list[dict] = []
    citations: list[dict] = []
    # AI replies: the send verifier's result — {"passed", "findings": [{"code", "detail"}], "knownWordShare"} —
    # and whether the model had qualified for autopilot; None for other messages.
    verification: dict | None = None
    sent_at: datetime | None = None
    delivered_at: datetime | None = None
    delivery_attempts: int = 0
    # Shown to the seller as is: why a reply is not (yet) delivered.
    delivery_error: str | None = None
    created_at: datetime
    updated_at: datetime


class ConversationOrder(msgspec.Struct, rename="camel", kw_only=True):
    platform: str
    order_id: str
    # The order as last read from the platform (shared.orders.schemas.OrderSnapshot: status, items,
    # shipments with carrier, waybill and the carrier's latest status, returns, refunds; no personal
    # data); None until it was read, and always None where the platform has no order API (Amazon, generic).
    snapshot: dict | None = None
    fetched_at: datetime | None = None
    # Why the last refresh failed (RateLimited, PlatformUnavailable, "order of another buyer", ...).
    last_error: str | None = None


class ConversationView(msgspec.Struct, rename="camel", kw_only=True):
    id: UUID
    platform: str
    platform_conversation_id: str
    channel_account_id: UUID | None = None
    customer_name: str | None = None
    subject: str | None = None
    status: str  # open | waiting_for_human | resolved
    # True when a human took the conversation over: the AI does not answer in it.
    ai_paused: bool = False
    ai_mode: str | None = None
    handoff_reason: str | None = None
    # When it was handed to a person for ``handoffReason`` (None while no person is needed).
    handoff_at: datetime | None = None
    # The newest reply on its way or delivered: a failed delivery shows here with its error.
    last_delivery: DeliveryView | None = None
    # Waiting for a human, or holding a draft to approve or a reply that failed to go out.
    needs_human: bool = False
    last_message_at: datetime
    last_message_preview: str | None = None
    created_at: datetime
    # The order this conversation is about (shared/orders); None when it is tied to no order.
    order: ConversationOrder | None = None


class DeliveryView(msgspec.Struct, rename="camel", kw_only=True):
    message_id: UUID
    status: str  # approved (queued) | sending | sent | failed
    error: str | None = None  # why it failed (or is being retried), in words the seller can act on
    attempts: int = 0
    delivered_at: datetime | None = None
    updated_at: datetime | None = None


class ConversationPage(msgspec.Struct, rename="camel", kw_only=True):
    items: list[ConversationView]
    next_cursor: str | None = None


class MessagePage(msgspec.Struct, rename="camel", kw_only=True):
    items: list[MessageView]
    next_cursor: str | None = None


class ConversationDetail(msgspec.Struct, rename="camel", kw_only=True):
    conversation: ConversationView
    messages: MessagePage


class ReplyText(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    text: str


class ManualReply(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    text: str
    # Default: the conversation's latest customer message.
    in_reply_to_message_id: UUID | None = None
