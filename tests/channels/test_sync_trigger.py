"""The cron-invoked sync function, called exactly as the OpenFaaS CE cron-connector calls it.

openfaas/cron-connector ``types/cron_function.go`` ``InvokeFunction``: ``http.NewRequest(POST,
"<gateway>/function/<name>.<namespace>", bytes.NewReader(empty))`` sent by a plain Go ``http.Client``,
so the request carries Go's default headers only. The bytes below are what Go writes for it; they go
over a raw socket to the local gateway, then through the real of-watchdog to the sync app.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dramatiq
import pytest

from shared.broker import broker
from shared.conversations.tables import Message
from shared.gateway.proxy import ProxyGateway
from shared.tenancy.db import tenant_tx
from tests.channels.conftest import connect
from tests.deploy.watchdog import start_watchdog
from tests.support import drop_leftover_jobs, serve

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration

CRON_CONNECTOR_REQUEST = (
    b"POST /function/sync.openfaas-fn HTTP/1.1\r\n"
    b"Host: %s\r\n"
    b"User-Agent: Go-http-client/1.1\r\n"
    b"Content-Length: 0\r\n"
    b"Accept-Encoding: gzip\r\n"
    b"\r\n"
)


async def call_like_the_cron_connector(gateway_host: str) -> tuple[int, bytes]:
    host, port = gateway_host.rsplit(":", 1)
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(CRON_CONNECTOR_REQUEST % gateway_host.encode())
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:"))
        body = await reader.readexactly(length)
    finally:
        writer.close()
    return int(head.split(b" ")[1]), body


def queued_fan_outs() -> list[str]:
    """Ids of the channels.schedule_sync messages waiting in this run's broker namespace."""
    messages = broker.client.hgetall(f"{broker.namespace}:channels.msgs")
    return [mid.decode() for mid, data in messages.items()
            if dramatiq.Message.decode(data).actor_name == "channels.schedule_sync"]


def drop_queued(message_ids: list[str]) -> None:
    for mid in message_ids:
        broker.client.lrem(f"{broker.namespace}:channels", 0, mid)
        broker.client.hdel(f"{broker.namespace}:channels.msgs", mid)


@pytest.fixture
async def gateway(tmp_path):
    # A coalescing key of this test's own: parallel runs sharing the Redis database must not coalesce with it.
    watchdog = await asyncio.to_thread(start_watchdog, "sync", tmp_path,
                                       SYNC_COALESCE_KEY=f"test:schedule-sync:{uuid.uuid4()}",
                                       # Its drain after SIGTERM (5 s in the image) is not what this tests.
                                       healthcheck_interval="1s")
    try:
        async with serve(ProxyGateway({"sync": watchdog.url})) as client:
            yield client.base_url.netloc.decode()
    finally:
        await asyncio.to_thread(watchdog.stop)


@pytest.fixture
def channels_worker(allegro, tmp_path):
    ready = tmp_path / "ready"
    drop_leftover_jobs()
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


async def test_the_connectors_call_starts_one_round_and_repeats_are_coalesced(gateway):
    before = set(queued_fan_outs())
    first = await call_like_the_cron_connector(gateway)
    second = await call_like_the_cron_connector(gateway)
    third = await call_like_the_cron_connector(gateway)
    new = [mid for mid in queued_fan_outs() if mid not in before]
    drop_queued(new)
    # No secret needed; one fan-out for three calls; every answer identical, so a caller learns nothing.
    assert first == second == third == (202, b'{"status":"accepted"}')
    assert len(new) == 1


async def test_the_connectors_call_makes_a_worker_poll_the_account(gateway, allegro, channels_worker):
    tenant, account_id = await connect(allegro, "allegro", "cron", "allegro-cron")
    question = allegro.add_message("t-cron", "Czy faktura VAT?", datetime.now(timezone.utc) - timedelta(minutes=2))
    assert (await call_like_the_cron_connector(gateway))[0] == 202
    for _ in range(120):
        async with tenant_tx(tenant):
            found = await Message.select(Message.platform_message_id).where(
                Message.conversation_id.channel_account_id == account_id)
        if found:
            break
        await asyncio.sleep(0.5)
    assert [row["platform_message_id"] for row in found] == [question]
