"""A paused channel's customer messages wait for it: the AI generates (and bills) nothing while it is
paused, and resuming hands the unanswered ones back to the AI through the outbox."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from shared.ai.agent import handle_customer_message
from shared.channels import lifecycle
from shared.channels.inbound import CUSTOMER_MESSAGE_ACTOR, InboundMessage, record_inbound_message
from shared.channels.tables import ChannelAccount
from shared.outbox.tables import OutboxJob
from shared.tenancy.db import tenant_tx
from tests.ai.test_agent import replies_to, seller_with_policy, stores  # noqa: F401
from tests.ai.verify.test_agent_verification import model  # noqa: F401

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


async def staged_for(tenant_id, message_id) -> int:
    async with tenant_tx(tenant_id):
        rows = await OutboxJob.select(OutboxJob.args).where(OutboxJob.actor_name == CUSTOMER_MESSAGE_ACTOR[1])
    return sum(1 for r in rows if str(message_id) in str(r["args"]))


async def test_a_paused_channel_generates_nothing_and_resuming_answers_what_waited(stores, model):  # noqa: F811
    seller, _ = await seller_with_policy(stores, "paused-channel")
    async with tenant_tx(seller.tenant_id):
        account = await ChannelAccount.select(ChannelAccount.id).first()
        await ChannelAccount.update({ChannelAccount.status: "connected"}).where(ChannelAccount.id == account["id"])
    await lifecycle.pause(seller.tenant_id, account["id"])
    recorded = await record_inbound_message(seller.tenant_id, InboundMessage(
        platform="allegro", conversation_ref="paused-thread", message_ref=uuid.uuid4().hex,
        text="Ile mam dni na zwrot towaru?", sent_at=datetime.now(timezone.utc), customer_name="kupujacy",
        channel_account_id=account["id"]))
    staged_on_arrival = await staged_for(seller.tenant_id, recorded.message_id)

    outcome = await handle_customer_message(stores, seller.tenant_id, recorded.message_id)
    assert (outcome.action, outcome.reason) == ("skipped", "channel paused")
    assert model.requests == [] and await replies_to(seller.tenant_id, recorded.message_id) == []

    await lifecycle.resume(seller.tenant_id, account["id"])
    assert await staged_for(seller.tenant_id, recorded.message_id) == staged_on_arrival + 1
