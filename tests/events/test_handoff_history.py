"""The handoff log keeps every handoff (reason, when, resolved when) after resolving clears the
conversation's reason, and the analytics count handoffs by reason from it."""

from __future__ import annotations

from datetime import datetime

import pytest

from shared.ai.config import WARSAW
from shared.analytics.queries import analytics
from shared.conversations import handoff
from shared.conversations.tables import Conversation, HandoffLog
from shared.tenancy.db import tenant_tx
from tests.conversations.support import customer_writes
from tests.events.support import fresh_seller

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


async def log_of(tenant_id, conversation_id) -> list[dict]:
    async with tenant_tx(tenant_id):
        return await HandoffLog.select(HandoffLog.reason, HandoffLog.message_id, HandoffLog.created_at,
                                       HandoffLog.resolved_at).where(
            HandoffLog.conversation_id == conversation_id).order_by(HandoffLog.created_at)


async def test_resolving_keeps_the_handoff_and_analytics_count_it():
    seller = await fresh_seller("handoff-log")
    tenant = seller.tenant_id
    conversation, complaint = await customer_writes(tenant, None, "Towar jest wadliwy", thread="h-1")
    assert await handoff.leave_for_human(tenant, complaint, "complaint")
    assert not await handoff.leave_for_human(tenant, complaint, "complaint")  # a repeated job: no second row
    await handoff.resolve(tenant, conversation)

    _, question = await customer_writes(tenant, None, "A macie rozmiar XXL?", thread="h-1")
    assert await handoff.leave_for_human(tenant, question, "no_grounding")
    other, angry = await customer_writes(tenant, None, "Skandal!", thread="h-2")
    assert await handoff.leave_for_human(tenant, angry, "angry")
    await handoff.hand_back(tenant, other)

    [first, second] = await log_of(tenant, conversation)
    assert (first["reason"], first["message_id"], second["reason"], second["message_id"]) == (
        "complaint", complaint, "no_grounding", question)
    assert first["resolved_at"] is not None and first["resolved_at"] >= first["created_at"]
    assert second["resolved_at"] is None
    [handed_back] = await log_of(tenant, other)
    assert handed_back["reason"] == "angry" and handed_back["resolved_at"] is not None
    async with tenant_tx(tenant):
        reasons = await Conversation.select(Conversation.handoff_reason).where(
            Conversation.id.is_in([conversation, other]))
    assert sorted(r["handoff_reason"] or "-" for r in reasons) == ["-", "no_grounding"]  # what the rows still say

    today = datetime.now(WARSAW).date()
    counted = await analytics(tenant, today, today)
    assert {h.reason: h.conversations for h in counted.handoffs} == {"complaint": 1, "no_grounding": 1, "angry": 1}
