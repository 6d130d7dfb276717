"""The contract between reply delivery and each channel: send a reply, or tell whether it already went.

Each platform module implements one `ChannelSender`; shared/channels/registry.py lists them, and the
delivery actor looks one up there by the conversation's platform. Senders get everything they need in
`OutboundReply` plus the channel account id, and load (and refresh) credentials themselves through
the tenant mechanism.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from uuid import UUID

import msgspec


class OutboundReply(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: UUID
    message_id: UUID
    conversation_id: UUID
    channel_account_id: UUID | None
    platform: str
    platform_conversation_id: str
    text: str
    # Stable across retries of this reply: sent as an idempotency key / deterministic Message-ID.
    idempotency_key: str
    # When this delivery attempt claimed the row (reconciliation looks for messages after it).
    claimed_at: datetime
    # The customer message answered: platform id and channel details (email headers, ...).
    in_reply_to_platform_message_id: str | None = None
    in_reply_to_meta: dict = {}
    subject: str | None = None


class DeliveryReceipt(msgspec.Struct, frozen=True, kw_only=True):
    platform_message_id: str | None
    delivered_at: datetime


class TransientDeliveryError(Exception):
    """429, 5xx, timeouts: retried with backoff. ``retry_after`` (seconds) when the platform says."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PermanentDeliveryError(Exception):
    """4xx other than 429, a dead connection, a policy refusal: the reply goes to 'failed' at once.

    The message is shown to the seller, so it says what to do and holds no secret or token.
    """


class DeliveryUnknown(Exception):
    """The sender cannot tell whether an interrupted attempt reached the customer."""


class ChannelSender(Protocol):
    platform: str

    async def send(self, reply: OutboundReply) -> DeliveryReceipt: ...

    async def find_delivered(self, reply: OutboundReply) -> DeliveryReceipt | None:
        """After a crash mid-send: the receipt if the reply is on the platform, None if it is not.

        Raise DeliveryUnknown when the platform cannot be asked; the reply then fails as
        "delivery uncertain" instead of risking a second send.
        """
        ...

