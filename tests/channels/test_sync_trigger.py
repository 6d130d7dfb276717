"""The cron-invoked sync function: token-protected, coalesced; a real worker then polls the Allegro fake."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from functions.sync.handler import app as sync_app
from shared.conversations.tables import Message
from shared.tenancy.db import tenant_tx
from tests.channels.conftest import connect
from tests.support import serve

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "cron-token-for-tests"
pytestmark = pytest.mark.integration


@pytest.fixture
async def trigger(monkeypatch, redis_open):
    monkeypatch.setenv("SYNC_TRIGGER_TOKEN", TOKEN)
    # A key of this test's own: parallel runs sharing the Redis database must not coalesce with it.
    monkeypatch.setenv("SYNC_COALESCE_KEY", f"test:schedule-sync:{uuid.uuid4()}")
    async with serve(sync_app) as client:
        yield client


@pytest.fixture
def channels_worker(allegro, tmp_path):
    ready = tmp_path / "ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "shared.channels.actors", "--processes", "1",
         "--threads", "2", "--queues", "channels"],
        cwd=ROOT, env={**os.environ, "WORKER_READY_FILE": str(ready)},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    yield process
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        # Jobs of other tests' accounts (their fakes are gone) may still be backing off; not ours to wait for.
        os.killpg(process.pid, signal.SIGKILL)  # its own session: the worker and its forked children
        process.wait(timeout=10)


async def test_token_is_required_and_triggers_are_coalesced(trigger):
    assert (await trigger.post("/")).status_code == 401
    assert (await trigger.post("/", headers={"X-Sync-Token": "wrong"})).status_code == 401
    first = await trigger.post("/", headers={"X-Sync-Token": TOKEN})
    second = await trigger.post("/", headers={"X-Sync-Token": TOKEN})
    assert (first.status_code, first.json()) == (202, {"enqueued": True})
    assert (second.status_code, second.json()) == (202, {"enqueued": False})


async def test_cron_trigger_fans_out_and_a_worker_polls_the_account(trigger, allegro, channels_worker):
    tenant, account_id = await connect(allegro, "allegro", "cron", "allegro-cron")
    question = allegro.add_message("t-cron", "Czy faktura VAT?", datetime.now(timezone.utc) - timedelta(minutes=2))
    assert (await trigger.post("/", headers={"X-Sync-Token": TOKEN})).json() == {"enqueued": True}
    for _ in range(120):
        async with tenant_tx(tenant):
            found = await Message.select(Message.platform_message_id).where(
                Message.conversation_id.channel_account_id == account_id)
        if found:
            break
        await asyncio.sleep(0.5)
    assert [row["platform_message_id"] for row in found] == [question]
