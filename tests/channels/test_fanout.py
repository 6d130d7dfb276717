"""The cross-tenant fan-out sees ids of connected polled accounts and nothing else."""

from __future__ import annotations

import pytest

from shared.channels.connection import sync_targets
from shared.channels.tables import ChannelAccount
from shared.infra.postgres import engine
from shared.tenancy.db import tenant_tx
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


async def make_accounts(label: str) -> dict[str, object]:
    seller = await seed_tenant(label)
    ids = {}
    async with tenant_tx(seller.tenant_id):
        for platform, status in [("allegro", "connected"), ("olx", "connected"), ("allegro", "error"),
                                 ("olx", "disconnected"), ("allegro", "pending"), ("email", "connected"),
                                 ("generic", "connected")]:
            row = ChannelAccount(tenant_id=seller.tenant_id, platform=platform, status=status,
                                 external_account_id=f"{label}-{platform}-{status}")
            await row.save()
            ids[f"{platform}/{status}"] = row.id
    return {"tenant": seller.tenant_id, **ids}


async def test_lists_connected_allegro_and_olx_accounts_of_every_tenant_only():
    alfa, beta = await make_accounts("fan-a"), await make_accounts("fan-b")
    targets = set(await sync_targets())
    for seller in (alfa, beta):
        assert (seller["tenant"], seller["allegro/connected"]) in targets
        assert (seller["tenant"], seller["olx/connected"]) in targets
        for other in ("allegro/error", "olx/disconnected", "allegro/pending", "email/connected", "generic/connected"):
            assert (seller["tenant"], seller[other]) not in targets


async def test_the_function_reveals_ids_only_and_opens_no_door_for_the_app_role():
    await make_accounts("fan-c")
    db = engine()
    async with db.transaction():
        connection = db.current_transaction.get().connection
        row = await connection.fetchrow("SELECT * FROM channel_sync_targets() LIMIT 1")
        assert set(row.keys()) == {"tenant_id", "account_id"}
        # The switch the function flips is off again once it returns ...
        assert await connection.fetchval("SELECT current_setting('app.channel_sync_fanout', true)") == ""
        # ... and flipping it ourselves shows nothing: the policy applies to the owner role only.
        await connection.execute("SELECT set_config('app.channel_sync_fanout', 'on', true)")
        assert await connection.fetchval("SELECT count(*) FROM channel_accounts") == 0
        assert await connection.fetchval("SELECT current_user") == "bokai_app"
        acl = await connection.fetchval("SELECT proacl::text FROM pg_proc WHERE proname = 'channel_sync_targets'")
    entries = acl.strip("{}").split(",")
    assert any(e.startswith("bokai_app=X/") for e in entries)
    assert not any(e.startswith("=") for e in entries)  # no EXECUTE for PUBLIC


async def test_the_round_stages_each_poll_in_its_sellers_outbox_then_enqueues_it():
    import json

    from shared.channels.sync import stage_sync_round
    from shared.outbox.tables import OutboxJob
    from tests.webhooks.support import queued_jobs

    alfa = await make_accounts("fan-d")
    assert await stage_sync_round() >= 2
    async with tenant_tx(alfa["tenant"]):
        jobs = await OutboxJob.select().where(OutboxJob.actor_name == "channels.sync_account")
    polled = {str(alfa["allegro/connected"]), str(alfa["olx/connected"])}
    assert sorted(json.loads(j["args"])[1] for j in jobs) == sorted(polled)
    assert all(j["sent_at"] is not None for j in jobs)
    assert {args[1] for args in queued_jobs("channels", "channels.sync_account", str(alfa["tenant"]))} == polled
