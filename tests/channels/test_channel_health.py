"""The seller sees, per connection, whether it works and why not (dead token, replies not going
out through it, polling stalled), computed from the real rows the failures leave behind."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from shared.channels.service import get_account, list_accounts
from shared.channels.tables import ChannelAccount
from shared.conversations import replies
from shared.tenancy.db import tenant_tx, tx_connection
from tests.conversations.support import customer_writes
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


async def account(tenant_id, platform: str, status: str = "connected", **fields) -> uuid.UUID:
    account_id = uuid.uuid4()
    async with tenant_tx(tenant_id):
        await ChannelAccount.insert(ChannelAccount(id=account_id, tenant_id=tenant_id, platform=platform, status=status,
                                                   external_account_id=f"{platform}-{account_id.hex[:6]}", **fields))
    return account_id


async def test_each_connection_says_whether_it_works_and_why_not():
    seller = await seed_tenant(f"health-{uuid.uuid4().hex[:6]}")
    now = datetime.now(timezone.utc)
    healthy = await account(seller.tenant_id, "email")
    dead = await account(seller.tenant_id, "allegro", status="error",
                         last_error="Allegro refused the saved login; connect the account again.")
    stalled = await account(seller.tenant_id, "olx", last_synced_at=now - timedelta(hours=2))
    failing = await account(seller.tenant_id, "generic")
    _, message_id = await customer_writes(seller.tenant_id, failing, "Gdzie paczka?", thread="health-1")
    reply = await replies.create_ai_reply(seller.tenant_id, message_id, "Jutro u Pana.")
    # What delivery leaves behind when the shop's callback refuses the reply for good.
    async with tenant_tx(seller.tenant_id):
        await tx_connection().execute("UPDATE messages SET status = 'failed', delivery_error = $2 WHERE id = $1",
                                      reply.id, "The shop's callback answered HTTP 410")

    health = {a.id: a.health for a in await list_accounts(seller.tenant_id)}
    assert health[healthy].state == "ok" and health[healthy].reason is None
    assert (health[dead].state, health[dead].reason) == (
        "broken", "Allegro refused the saved login; connect the account again.")
    assert (health[stalled].state, health[stalled].reason) == (
        "degraded", "New messages have not been fetched for 120 minutes.")
    assert health[failing].state == "degraded"
    assert health[failing].reason.startswith("1 replies in the last 24 hours could not be delivered")
    assert "HTTP 410" in health[failing].reason
    assert (await get_account(seller.tenant_id, failing)).health == health[failing]


async def test_another_sellers_failures_do_not_show_on_my_connection():
    mine, theirs = await seed_tenant("health-mine"), await seed_tenant("health-theirs")
    channel = await account(mine.tenant_id, "generic")
    other = await account(theirs.tenant_id, "generic")
    _, message_id = await customer_writes(theirs.tenant_id, other, "Halo?", thread="health-2")
    reply = await replies.create_ai_reply(theirs.tenant_id, message_id, "Dzień dobry.")
    async with tenant_tx(theirs.tenant_id):
        await tx_connection().execute("UPDATE messages SET status = 'failed', delivery_error = 'x' WHERE id = $1",
                                      reply.id)
    assert (await get_account(mine.tenant_id, channel)).health.state == "ok"
    assert (await get_account(theirs.tenant_id, other)).health.state == "degraded"
