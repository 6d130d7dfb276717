"""Polled messages go through the same idempotent recording as webhooks, then to the AI seam."""

from __future__ import annotations

from uuid import UUID

from shared.channels.inbound import InboundMessage, record_inbound_message
from shared.outbox.staging import publish


async def ingest(tenant_id: UUID, message: InboundMessage) -> bool:
    """True when the message was new. Its agent job was committed with it (the outbox): enqueued
    here right away, or by the outbox relay if Redis is unreachable now."""
    recorded = await record_inbound_message(tenant_id, message)
    await publish(recorded.agent_job)
    return recorded.is_new
