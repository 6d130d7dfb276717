"""Single-use refresh tokens: every new pair is persisted before use; a dead connection is surfaced."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

import pytest

from shared.channels.allegro import oauth
from shared.channels.allegro.sync import sync_allegro
from shared.channels.connection import load_connection, rotate_tokens, sync_targets
from shared.channels.errors import ConnectionDead
from shared.channels.sync import sync_account
from shared.channels.tables import ChannelAccount
from shared.tenancy.db import tenant_tx
from tests.channels.conftest import connect

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)


async def test_expired_access_token_is_refreshed_and_the_new_pair_persisted(allegro):
    tenant, account_id = await connect(allegro, "allegro", "rotate", "allegro-rotate")
    before = (await load_connection(tenant, account_id)).credentials
    allegro.add_message("t-1", "Pytanie", NOW - timedelta(minutes=5))
    allegro.tokens.expire_access_tokens()  # the API now answers 401 to the stored access token

    assert (await sync_allegro(tenant, account_id)).new_messages == 1
    after = (await load_connection(tenant, account_id)).credentials
    assert after["refreshToken"] != before["refreshToken"] and after["accessToken"] != before["accessToken"]
    assert before["refreshToken"] in allegro.tokens.spent_refresh  # the fake refuses it from now on
    assert allegro.tokens.refresh_calls == 1

    allegro.add_message("t-1", "Jeszcze jedno", NOW - timedelta(minutes=1))
    await sync_allegro(tenant, account_id)
    assert allegro.tokens.refresh_calls == 1  # the persisted new token works; no second refresh


async def test_concurrent_refreshes_spend_the_refresh_token_once(allegro):
    tenant, account_id = await connect(allegro, "allegro", "race", "allegro-race")
    connection = await load_connection(tenant, account_id)
    stale = connection.credentials["accessToken"]
    results = await asyncio.gather(*(rotate_tokens(connection, oauth.refresh, stale_access_token=stale)
                                     for _ in range(4)))
    assert allegro.tokens.refresh_calls == 1
    assert len({r.credentials["refreshToken"] for r in results}) == 1
    assert (await load_connection(tenant, account_id)).credentials == results[0].credentials


async def test_revoked_grant_marks_the_account_as_error_and_stops_polling(allegro):
    tenant, account_id = await connect(allegro, "allegro", "dead", "allegro-dead")
    assert (tenant, account_id) in await sync_targets()
    allegro.tokens.revoke(allegro.seller_id)  # the seller changed the Allegro password

    with pytest.raises(ConnectionDead) as dead:
        await sync_allegro(tenant, account_id)
    async with tenant_tx(tenant):
        row = await ChannelAccount.select().where(ChannelAccount.id == account_id).first()
    assert row["status"] == "error" and "Connect the account again" in row["last_error"]
    assert "rt-" not in row["last_error"] and str(dead.value) == row["last_error"]
    assert (tenant, account_id) not in await sync_targets()
    calls = len(allegro.log)
    assert await sync_account(tenant, account_id) is None  # skipped: nothing sent to Allegro
    assert len(allegro.log) == calls


async def test_401_even_after_a_refresh_means_dead(allegro):
    tenant, account_id = await connect(allegro, "allegro", "401", "allegro-401")
    allegro.fail(r"/messaging/threads$", 401, times=2, body={"error": "invalid_token"})
    with pytest.raises(ConnectionDead):
        await sync_allegro(tenant, account_id)
    async with tenant_tx(tenant):
        row = await ChannelAccount.select(ChannelAccount.status).where(ChannelAccount.id == account_id).first()
    assert row["status"] == "error"
