"""Creates one seller with a row in every tenant table, through the same tenant mechanism the app uses."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from shared.accounts.tables import Membership, Tenant, User
from shared.ai.tables import AiConfig, UsageLog
from shared.channels.tables import ChannelAccount
from shared.conversations.tables import Conversation, HandoffLog, Message
from shared.events.tables import EventDelivery, EventEndpoint
from shared.inbox.tables import InboxEvent
from shared.knowledge.tables import CuratedAnswer, KnowledgeDocument
from shared.orders.tables import OrderSnapshotRow
from shared.outbox.tables import OutboxJob
from shared.tenancy.db import tenant_tx


@dataclass
class SeededTenant:
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    # table name -> id of this tenant's row in it
    rows: dict[str, uuid.UUID] = field(default_factory=dict)


async def seed_tenant(label: str) -> SeededTenant:
    tenant_id, user_id = uuid.uuid4(), uuid.uuid4()
    seeded = SeededTenant(tenant_id, user_id)
    suffix = uuid.uuid4().hex[:8]
    async with tenant_tx(tenant_id, user_id=user_id):
        await Tenant.insert(Tenant(id=tenant_id, name=f"Sklep {label}", slug=f"sklep-{label}-{suffix}"))
        await User.insert(User(id=user_id, email=f"{label}-{suffix}@example.pl", password_hash="x"))
        rows = {
            "tenants": Tenant(id=tenant_id),
            "memberships": Membership(tenant_id=tenant_id, user_id=user_id, role="owner"),
            "channel_accounts": ChannelAccount(tenant_id=tenant_id, platform="allegro",
                                               external_account_id=f"allegro-{suffix}"),
        }
        for table, row in rows.items():
            if table != "tenants":
                await row.save()
            seeded.rows[table] = row.id
        conversation = Conversation(tenant_id=tenant_id, channel_account_id=rows["channel_accounts"].id,
                                    platform="allegro", platform_conversation_id=f"thread-{suffix}")
        await conversation.save()
        message = Message(tenant_id=tenant_id, conversation_id=conversation.id, direction="inbound",
                          sender_type="customer", content=f"Pytanie klienta {label}",
                          platform_message_id=f"msg-{suffix}")
        document = KnowledgeDocument(tenant_id=tenant_id, title="Regulamin zwrotów",
                                     object_key=f"documents/{suffix}.pdf")
        curated = CuratedAnswer(tenant_id=tenant_id, question="Czy wysyłacie za granicę?",
                                answer=f"Tak ({label}).")
        ai_config = AiConfig(tenant_id=tenant_id, model_name="local")
        usage = UsageLog(tenant_id=tenant_id, action="ai_reply", tokens_used=42)
        inbox = InboxEvent(tenant_id=tenant_id, source=f"generic:{suffix}", external_id=f"evt-{suffix}",
                           event_type="message.created", payload={"label": label})
        # Marked sent: a seeded job must not be enqueued by a relay running against the test database.
        outbox = OutboxJob(tenant_id=tenant_id, queue_name="probe", actor_name="probe.count_messages",
                           args=[str(tenant_id)], sent_at=datetime.now(timezone.utc))
        handoff = HandoffLog(tenant_id=tenant_id, conversation_id=conversation.id, message_id=message.id,
                             reason="complaint")
        # Disabled: tests of other domains seed sellers too, and their replies must not stage events.
        endpoint = EventEndpoint(tenant_id=tenant_id, url=f"https://hooks.example.pl/{label}",
                                 event_types=["reply.sent"], secret_encrypted=b"sealed", enabled=False)
        order = OrderSnapshotRow(tenant_id=tenant_id, conversation_id=conversation.id, platform="allegro",
                                 order_id=f"order-{suffix}", snapshot={"platform": "allegro", "orderId": f"order-{suffix}"})
        for row in (message, document, curated, ai_config, usage, inbox, outbox, handoff, endpoint, order):
            await row.save()
        # Delivered already: a seeded delivery must not be sent by a worker running against the test database.
        delivery = EventDelivery(tenant_id=tenant_id, endpoint_id=endpoint.id, event_id=uuid.uuid4(),
                                 event_type="reply.sent", data={"replyId": str(message.id)}, status="delivered")
        await delivery.save()
        seeded.rows.update({
            "conversations": conversation.id, "messages": message.id,
            "knowledge_documents": document.id, "curated_answers": curated.id, "ai_configs": ai_config.id,
            "usage_logs": usage.id, "inbox_events": inbox.id, "outbox": outbox.id, "handoff_log": handoff.id,
            "event_endpoints": endpoint.id, "event_deliveries": delivery.id, "order_snapshots": order.id,
        })
        seeded.rows["users"] = user_id
    return seeded
