"""Build one seller's conversations, messages and AI usage at chosen times, then write them in one go.

The services always stamp now(); analytics needs a history, so rows are inserted with their times
through the app's own tenant transaction (RLS applies: rows of another tenant would be refused).
Used by tests/analytics and bench/analytics_year.py.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from shared.accounts.tables import Tenant
from shared.tenancy.db import tenant_tx, tx_connection

_CONVERSATION = """
INSERT INTO conversations (id, tenant_id, platform, platform_conversation_id, status, handoff_reason,
                           last_message_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $7)
"""
_MESSAGE = """
INSERT INTO messages (id, tenant_id, conversation_id, direction, sender_type, content, status, in_reply_to_id,
                      meta, delivered_at, created_at, updated_at)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11, $11)
"""
_USAGE = """
INSERT INTO usage_logs (id, tenant_id, conversation_id, action, model_used, prompt_tokens, completion_tokens,
                        tokens_used, cost, created_at)
VALUES ($1, $2, $3, 'ai_reply', 'smollm2-135m-instruct', 800, 100, 900, $4, $5)
"""
APPROVED = {"approvedByUserId": "00000000-0000-0000-0000-00000000a11c"}
EDITED = {**APPROVED, "editedByUserId": "00000000-0000-0000-0000-00000000a11c"}


async def make_tenant(name: str = "Sklep analityka") -> UUID:
    tenant_id = uuid.uuid4()
    async with tenant_tx(tenant_id):
        await Tenant.insert(Tenant(id=tenant_id, name=name, slug=f"an-{tenant_id.hex[:12]}"))
    return tenant_id


@dataclass
class Dataset:
    tenant_id: UUID
    conversations: list[tuple] = field(default_factory=list)
    messages: list[tuple] = field(default_factory=list)
    usage: list[tuple] = field(default_factory=list)

    def conversation(self, started: datetime, *, platform: str = "allegro", status: str = "open",
                     handoff_reason: str | None = None) -> UUID:
        conversation_id = uuid.uuid4()
        self.conversations.append((conversation_id, self.tenant_id, platform, f"thread-{conversation_id.hex}",
                                   status, handoff_reason, started))
        return conversation_id

    def customer(self, conversation_id: UUID, at: datetime, text: str = "Ile kosztuje wysyłka?") -> UUID:
        message_id = uuid.uuid4()
        self.messages.append((message_id, self.tenant_id, conversation_id, "inbound", "customer", text,
                              "received", None, "{}", None, at))
        return message_id

    def reply(self, conversation_id: UUID, to: UUID | None, at: datetime, *, sender: str = "bot",
              status: str = "sent", delivered_at: datetime | None = None, meta: dict | None = None) -> UUID:
        """An outbound reply created at ``at``; a sent one is delivered at ``delivered_at`` (default ``at``)."""
        message_id = uuid.uuid4()
        delivered = (delivered_at or at) if status == "sent" else None
        self.messages.append((message_id, self.tenant_id, conversation_id, "outbound", sender, "Odpowiedź",
                              status, to, json.dumps(meta or {}), delivered, at))
        return message_id

    def cost(self, conversation_id: UUID, pln: str, at: datetime) -> None:
        self.usage.append((uuid.uuid4(), self.tenant_id, conversation_id, Decimal(pln), at))

    async def write(self) -> None:
        async with tenant_tx(self.tenant_id):
            connection = tx_connection()
            await connection.executemany(_CONVERSATION, self.conversations)
            await connection.executemany(_MESSAGE, self.messages)
            await connection.executemany(_USAGE, self.usage)
