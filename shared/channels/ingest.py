"""Polled messages go through the same idempotent recording as webhooks, then to the AI seam."""

from __future__ import annotations

from uuid import UUID

from shared.broker import enqueue
from shared.conversations.inbound import CUSTOMER_MESSAGE_ACTOR, InboundMessage, record_inbound_message


async def ingest(tenant_id: UUID, message: InboundMessage) -> bool:
    """True when the message was new; the agent's job is enqueued only then, after the commit."""
    recorded = await record_inbound_message(tenant_id, message)
    if recorded.is_new:
        enqueue(*CUSTOMER_MESSAGE_ACTOR, str(tenant_id), str(recorded.message_id))
    return recorded.is_new
