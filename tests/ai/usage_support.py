"""Tenants and usage rows for AI config/usage tests, written through the app's tenant transactions."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal

from shared.accounts.tables import Tenant
from shared.infra.postgres import engine
from shared.tenancy.db import tenant_tx


async def make_tenant(plan: str = "basic", status: str = "active") -> uuid.UUID:
    tenant_id = uuid.uuid4()
    async with tenant_tx(tenant_id):
        await Tenant.insert(Tenant(id=tenant_id, name="Sklep testowy", slug=f"ai-{tenant_id.hex[:12]}",
                                   subscription_plan=plan, subscription_status=status))
    return tenant_id


async def add_usage(tenant_id: uuid.UUID, *, cost: str, at: datetime, model: str = "smollm2-135m-instruct",
                    prompt_tokens: int = 100, completion_tokens: int = 20,
                    conversation_id: uuid.UUID | None = None) -> None:
    """A usage row at a chosen time (the service always stamps now())."""
    async with tenant_tx(tenant_id):
        await engine().current_transaction.get().connection.execute(
            "INSERT INTO usage_logs (id, tenant_id, conversation_id, action, model_used, prompt_tokens, "
            "completion_tokens, tokens_used, cost, created_at) VALUES (gen_random_uuid(), $1, $2, 'ai_reply', $3, "
            "$4, $5, $6, $7, $8)", tenant_id, conversation_id, model, prompt_tokens, completion_tokens,
            prompt_tokens + completion_tokens, Decimal(cost), at)


async def make_conversation(tenant_id: uuid.UUID) -> uuid.UUID:
    from shared.channels.tables import ChannelAccount
    from shared.conversations.tables import Conversation

    suffix = uuid.uuid4().hex[:8]
    async with tenant_tx(tenant_id):
        account = ChannelAccount(tenant_id=tenant_id, platform="allegro", external_account_id=f"allegro-{suffix}")
        await account.save()
        conversation = Conversation(tenant_id=tenant_id, channel_account_id=account.id, platform="allegro",
                                    platform_conversation_id=f"thread-{suffix}")
        await conversation.save()
    return conversation.id
