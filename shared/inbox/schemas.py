"""Shapes of what webhooks receive and what the inbox stores (payloads outlive deploys: every field has a default)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class GenericAttachment(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=False):
    filename: str = ""
    content_type: str = "application/octet-stream"
    size_bytes: int = 0
    url: str | None = None


class GenericCustomer(msgspec.Struct, rename="camel", kw_only=True):
    name: str | None = None


class GenericMessage(msgspec.Struct, rename="camel", kw_only=True):
    """Body of ``POST /channels/{tenantId}/{channelAccountId}/messages`` (a shop or site chat).

    ``messageId`` is the sender's own id of this message and must stay the same on every
    redelivery; ``conversationId`` groups messages of one customer thread.
    """

    message_id: str
    conversation_id: str
    text: str
    sent_at: datetime
    customer: GenericCustomer = msgspec.field(default_factory=GenericCustomer)
    subject: str | None = None
    attachments: list[GenericAttachment] = []
    # The shop's own order id this conversation is about (linked, shown beside the messages).
    order_id: str | None = None


class EmailAttachment(msgspec.Struct, rename="camel", kw_only=True):
    filename: str | None = None
    content_type: str = "application/octet-stream"
    size_bytes: int = 0


class EmailPayload(msgspec.Struct, rename="camel", kw_only=True):
    """An inbound email reduced to what threading and recording need (attachment bytes are dropped)."""

    message_id: str
    subject: str | None = None
    from_name: str | None = None
    from_address: str | None = None
    reply_to: str | None = None
    in_reply_to: str | None = None
    references: list[str] = []
    sent_at: datetime | None = None
    # The whole decoded text; quoted history and signatures are stripped when it is recorded.
    text: str = ""
    attachments: list[EmailAttachment] = []
    # The headers that tell a program's mail from a person's (shared/inbox/automatic_mail.py), lower-case.
    automation_headers: dict[str, str] = {}


class UploadNotification(msgspec.Struct, rename="camel", kw_only=True):
    document_id: str
    object_name: str  # relative to the tenant prefix
    size_bytes: int = 0


class EmagCallback(msgspec.Struct, rename="camel", kw_only=True):
    order_id: str
    method: str = "GET"
    query: dict[str, str] = {}
    body: str = ""


class Accepted(msgspec.Struct, rename="camel", kw_only=True):
    """The 202 answer; ``duplicate`` is true when this exact event was already received."""

    status: str = "accepted"
    duplicate: bool = False
    # The stored event, the same id on every redelivery. The message and its conversation exist once the
    # worker processed it (usually within a second); a generic channel finds the conversation by its own id:
    # GET /function/conversations/conversations?platformConversationId=<conversationId>.
    event_id: UUID | None = None
