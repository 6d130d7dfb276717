"""Connecting a polled marketplace while the job queues' Redis is down: the seller gets the connected
channel (the OAuth code is spent by then, a retry could not succeed), and its first poll, staged in the
outbox with the account, runs once Redis is back.

The channels function runs in its own process whose broker Redis (REDIS_BROKER_URL) is a private
redis-server that the test stopped; then a real worker on the restarted server takes it from there.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlparse

import pytest

from shared.channels import service
from shared.channels.tables import ChannelAccount
from shared.conversations.tables import Message
from shared.outbox.tables import OutboxJob
from shared.tenancy.db import tenant_tx
from tests.conversations.support import wait_for
from tests.outbox.test_outbox import ROOT, cut_off, finished
from tests.tenancy.seed import seed_tenant

pytestmark = pytest.mark.integration


async def test_olx_connects_with_redis_down_and_its_first_poll_runs_once_redis_is_back(
        olx, private_redis, monkeypatch, tmp_path):
    monkeypatch.delenv("CHANNELS_FRONTEND_URL", raising=False)  # the JSON answer, not a redirect
    seller = await seed_tenant(f"connect-no-redis-{uuid.uuid4().hex[:6]}")
    waiting = olx.add_message(1, "Czy rower jest jeszcze dostępny?", datetime.now(timezone.utc) - timedelta(hours=1))
    authorize = urlparse(await service.start_olx_connect(seller.tenant_id))
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    code = olx.user_approves(query["redirect_uri"])

    private_redis.stop()
    # In a thread: the OLX fake answers the function from this test's event loop.
    answer = await asyncio.to_thread(finished, cut_off(private_redis.url, "olx_callback", code, query["state"]))
    assert answer["status"] == 200, answer
    account_id = uuid.UUID(answer["body"]["id"])
    assert answer["body"]["status"] == "connected"
    async with tenant_tx(seller.tenant_id):
        [job] = await OutboxJob.select().where(OutboxJob.actor_name == "channels.sync_account")
    assert job["sent_at"] is None and json.loads(job["args"]) == [str(seller.tenant_id), str(account_id)]

    private_redis.start()
    ready = tmp_path / "ready"
    worker = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "2",
         "--queues", "channels"], cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE, text=True,
        env={**os.environ, "REDIS_BROKER_URL": private_redis.url, "WORKER_READY_FILE": str(ready),
             "OUTBOX_MIN_AGE_SECONDS": "0"})
    try:
        async def polled():
            async with tenant_tx(seller.tenant_id):
                return await Message.select().where(Message.platform_message_id == waiting).first()
        message = await wait_for(polled, timeout=120)
    finally:
        worker.terminate()
        worker.communicate(timeout=60)
    assert message["content"] == "Czy rower jest jeszcze dostępny?"
    async with tenant_tx(seller.tenant_id):
        account = await ChannelAccount.select(ChannelAccount.last_synced_at).where(
            ChannelAccount.id == account_id).first()
        [job] = await OutboxJob.select().where(OutboxJob.actor_name == "channels.sync_account")
    assert account["last_synced_at"] is not None and job["sent_at"] is not None
