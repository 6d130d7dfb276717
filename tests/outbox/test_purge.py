"""docs/known-gaps.md: sent outbox rows are pruned after 24 h. The purge runs across every tenant and
must never take a job that is not in Redis yet, however old: that job is a customer's message or reply
still waiting for Redis to come back (docs/operations.md: "nothing a customer sent is dropped")."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from shared.outbox.relay import OutboxSettings, purge_sent
from shared.outbox.tables import OutboxJob
from shared.tenancy.db import tenant_tx
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


async def jobs_in_outbox(seller, now: datetime) -> dict[str, uuid.UUID]:
    ages = {"sent 25 h ago": timedelta(hours=25), "sent 23 h ago": timedelta(hours=23),
            "sent 10 min ago": timedelta(minutes=10)}
    rows = {name: OutboxJob(id=uuid.uuid4(), tenant_id=seller.tenant_id, queue_name="replies",
                            actor_name="replies.deliver", args=[str(seller.tenant_id), str(uuid.uuid4())],
                            created_at=now - age - timedelta(seconds=1), sent_at=now - age)
            for name, age in ages.items()}
    # Stuck for a week: Redis was away, or every relay failed. Still the only record of the job.
    rows["unsent for a week"] = OutboxJob(
        id=uuid.uuid4(), tenant_id=seller.tenant_id, queue_name="replies", actor_name="replies.deliver",
        args=[str(seller.tenant_id), str(uuid.uuid4())], created_at=now - timedelta(days=7), sent_at=None,
        lease_until=now + timedelta(hours=1))  # not relayed while the test runs
    async with tenant_tx(seller.tenant_id):
        await OutboxJob.insert(*rows.values())
    return {name: row.id for name, row in rows.items()}


async def left(seller, ids: dict[str, uuid.UUID]) -> set[str]:
    async with tenant_tx(seller.tenant_id):
        present = {r["id"] for r in await OutboxJob.select(OutboxJob.id).where(OutboxJob.id.is_in(list(ids.values())))}
    return {name for name, job_id in ids.items() if job_id in present}


async def test_sent_jobs_go_after_a_day_of_every_tenant_and_unsent_ones_never():
    alfa, beta = await seed_tenant("purge-alfa"), await seed_tenant("purge-beta")
    now = datetime.now(timezone.utc)
    ids = [await jobs_in_outbox(seller, now) for seller in (alfa, beta)]

    assert await purge_sent(OutboxSettings()) >= 2
    for seller, theirs in zip((alfa, beta), ids):
        assert await left(seller, theirs) == {"sent 23 h ago", "sent 10 min ago", "unsent for a week"}


async def test_a_keep_time_set_too_low_still_keeps_the_last_hour():
    # OUTBOX_KEEP_SENT_HOURS=0 by mistake must not delete rows the relay may be answering about.
    seller = await seed_tenant("purge-zero")
    ids = await jobs_in_outbox(seller, datetime.now(timezone.utc))

    await purge_sent(OutboxSettings(keep_sent_hours=0))
    assert await left(seller, ids) == {"sent 10 min ago", "unsent for a week"}
