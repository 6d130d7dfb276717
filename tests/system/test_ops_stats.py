"""docs/operations.md, "First look, one query": `SELECT * FROM ops_stats()` as the app role gives the
backlogs and ages of every seller together (the app role alone sees nothing without a tenant), as
counts by status, reason or platform and never an id; the worker's gauges (and so the alerts) carry
the same numbers."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from prometheus_client import REGISTRY

from shared.conversations import replies
from shared.conversations.handoff import leave_for_human
from shared.infra.postgres import engine
from shared.ops.stats import refresh_database_gauges
from shared.outbox.tables import OutboxJob
from shared.tenancy.db import tenant_tx, tx_connection
from tests.conversations.support import customer_writes, generic_channel
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
UUID_TEXT = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


async def ops_stats() -> dict[tuple[str, str], float]:
    """What an operator's psql session as the app role sees: no tenant set."""
    async with engine().pool.acquire() as connection:
        assert await connection.fetchval("SELECT current_setting('app.tenant_id', true)") in (None, "")
        rows = await connection.fetch("SELECT metric, label, value FROM ops_stats()")
    return {(r["metric"], r["label"]): r["value"] for r in rows}


async def unsent_jobs(seller) -> int:
    async with tenant_tx(seller.tenant_id):
        return await tx_connection().fetchval("SELECT count(*) FROM outbox WHERE sent_at IS NULL")


def grew(before: dict, after: dict, metric: str, label: str = "") -> float:
    return after.get((metric, label), 0.0) - before.get((metric, label), 0.0)


async def a_seller_with_trouble(label: str, *, stale_approved_reply: bool):
    seller = await seed_tenant(f"{label}-{uuid.uuid4().hex[:6]}")
    account = await generic_channel(seller.tenant_id, "https://127.0.0.1:9/bokai")
    _, waiting = await customer_writes(seller.tenant_id, account, "Paczka nie doszła.", thread="lost")
    assert await leave_for_human(seller.tenant_id, waiting, "lost_parcel")
    async with tenant_tx(seller.tenant_id):
        await tx_connection().execute("UPDATE channel_accounts SET status = 'error' WHERE id = $1", account)
        now = datetime.now(timezone.utc)
        await OutboxJob.insert(OutboxJob(
            id=uuid.uuid4(), tenant_id=seller.tenant_id, queue_name="replies", actor_name="replies.deliver",
            args=[str(seller.tenant_id), str(uuid.uuid4())], created_at=now - timedelta(minutes=10),
            lease_until=now + timedelta(hours=1)))  # Redis away: not relayed yet
    if stale_approved_reply:
        _, asked = await customer_writes(seller.tenant_id, account, "Kiedy wysyłka?", thread="asked")
        reply = await replies.create_ai_reply(seller.tenant_id, asked, "Jutro.", approved=True)
        async with tenant_tx(seller.tenant_id):
            # Approved two hours ago and never attempted: the shape of a lost delivery job.
            await tx_connection().execute("UPDATE messages SET updated_at = now() - interval '2 hours' "
                                          "WHERE id = $1", reply.id)
    return seller


async def test_one_query_counts_every_seller_and_names_none():
    before = await ops_stats()
    alfa = await a_seller_with_trouble("ops-alfa", stale_approved_reply=True)
    beta = await a_seller_with_trouble("ops-beta", stale_approved_reply=False)
    after = await ops_stats()

    assert grew(before, after, "waiting_for_human", "lost_parcel") == 2
    assert grew(before, after, "channel_connections", "generic/error") == 2
    assert grew(before, after, "outbox_unsent") == await unsent_jobs(alfa) + await unsent_jobs(beta) >= 2
    assert after[("outbox_oldest_age", "")] >= 600
    assert grew(before, after, "replies_pending", "approved") == 1
    assert after[("replies_unattempted_oldest_age", "")] >= 7200
    shown = " ".join(label for _, label in after)
    assert not UUID_TEXT.search(shown), shown
    assert str(alfa.tenant_id) not in shown and str(beta.tenant_id) not in shown

    await refresh_database_gauges()
    gauge = REGISTRY.get_sample_value
    assert gauge("bokai_conversations_waiting_for_human", {"reason": "lost_parcel"}) == after[
        ("waiting_for_human", "lost_parcel")]
    assert gauge("bokai_outbox_unsent") == after[("outbox_unsent", "")]
    assert gauge("bokai_replies_pending", {"status": "approved"}) == after[("replies_pending", "approved")]
    assert gauge("bokai_replies_pending_oldest_age_seconds") >= 7200
    assert gauge("bokai_channel_connections", {"platform": "generic", "status": "error"}) == after[
        ("channel_connections", "generic/error")]

