"""The outbox: work and its job commit together, and a job whose enqueue never happened is still run.

"Redis gone" is a real condition here, not a mock: the app runs in its own process whose job
queues' Redis (REDIS_BROKER_URL) is a port where no Redis listens, or a private redis-server frozen
with SIGSTOP (the request then hangs in the enqueue after the commit, and the process is SIGKILLed
right there). Its other Redis (sessions, rate limits, replay keys) is the stack's, which answers.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from shared.conversations import replies
from shared.conversations.tables import Message
from shared.inbox.events import PROCESS_ACTOR
from shared.inbox.tables import InboxEvent
from shared.outbox.relay import OutboxSettings, relay_once
from shared.outbox.tables import OutboxJob
from shared.tenancy.db import tenant_tx, tx_connection
from tests.conversations.support import customer_writes
from tests.private_redis import PrivateRedis
from tests.support import free_port
from tests.tenancy.seed import seed_tenant
from tests.webhooks.support import add_channel, queued_jobs

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
ROOT = Path(__file__).resolve().parents[2]
TOKEN = "outbox-inbound-token"
# The relay's normal grace period would only slow the tests down.
AT_ONCE = OutboxSettings(min_age_seconds=0, lease_seconds=30, batch_size=500)


def cut_off(broker_redis_url: str, *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "tests.outbox.cut_off", *args], cwd=ROOT,
                            env={**os.environ, "REDIS_BROKER_URL": broker_redis_url, "REDIS_COMMAND_RETRIES": "1"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finished(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-2000:]
    return json.loads(out.strip().splitlines()[-1])


async def jobs_of(tenant_id, actor_name: str) -> list[dict]:
    async with tenant_tx(tenant_id):
        return await OutboxJob.select().where(OutboxJob.actor_name == actor_name)


@pytest.fixture
async def mailbox():
    seller = await seed_tenant(f"outbox-{uuid.uuid4().hex[:6]}")
    account = await add_channel(seller.tenant_id, "email", {"inboundToken": TOKEN})
    return seller, account


@pytest.fixture
def frozen_redis(tmp_path):
    """A private redis-server that stops answering (SIGSTOP) once the test says so."""
    server = PrivateRedis(tmp_path)
    server.start()
    try:
        yield server
    finally:
        server.process.send_signal(signal.SIGCONT)
        server.stop()


async def test_email_accepted_while_redis_is_down_is_processed_after_relay(mailbox):
    seller, account = mailbox
    message_id = f"<{uuid.uuid4().hex}@example.pl>"
    answer = finished(cut_off(f"redis://127.0.0.1:{free_port()}/0", "email", str(seller.tenant_id), str(account),
                              TOKEN, message_id))
    # Accepted: the event and its job are committed even though nothing reached Redis.
    assert answer["status"] == 202
    async with tenant_tx(seller.tenant_id):
        event = await InboxEvent.select().where(InboxEvent.external_id == message_id).first()
    assert answer["body"] == {"status": "accepted", "duplicate": False, "eventId": str(event["id"])}
    [job] = await jobs_of(seller.tenant_id, PROCESS_ACTOR[1])
    assert job["sent_at"] is None and json.loads(job["args"]) == [str(seller.tenant_id), str(event["id"])]
    assert queued_jobs(*PROCESS_ACTOR, str(seller.tenant_id)) == []

    assert await relay_once(AT_ONCE) >= 1
    assert queued_jobs(*PROCESS_ACTOR, str(seller.tenant_id)) == [(str(seller.tenant_id), str(event["id"]))]
    [job] = await jobs_of(seller.tenant_id, PROCESS_ACTOR[1])
    assert job["sent_at"] is not None and job["relay_attempts"] == 1
    await relay_once(AT_ONCE)  # a sent job is never relayed again
    [job] = await jobs_of(seller.tenant_id, PROCESS_ACTOR[1])
    assert job["relay_attempts"] == 1
    assert queued_jobs(*PROCESS_ACTOR, str(seller.tenant_id)) == [(str(seller.tenant_id), str(event["id"]))]


async def test_process_killed_between_commit_and_enqueue_still_gets_its_job_run(mailbox, frozen_redis, tmp_path):
    seller, account = mailbox
    server, redis_url = frozen_redis.process, frozen_redis.url
    server.send_signal(signal.SIGSTOP)  # accepts connections, never answers: the enqueue hangs
    message_id = f"<{uuid.uuid4().hex}@example.pl>"
    process = cut_off(redis_url, "email", str(seller.tenant_id), str(account), TOKEN, message_id)
    try:
        for _ in range(300):
            async with tenant_tx(seller.tenant_id):
                event = await InboxEvent.select().where(InboxEvent.external_id == message_id).first()
            if event is not None or process.poll() is not None:
                break
            await asyncio.sleep(0.1)
        assert event is not None, process.communicate()[1][-2000:]
        await asyncio.sleep(0.5)
        if process.poll() is not None:
            raise AssertionError(f"the request should still hang in the enqueue, but it ended "
                                 f"({process.returncode}): {process.communicate()[1][-2000:]}")
    finally:
        process.kill()  # SIGKILL right after the commit, before Redis ever saw the job
        process.communicate(timeout=30)

    [job] = await jobs_of(seller.tenant_id, PROCESS_ACTOR[1])
    assert job["sent_at"] is None
    # A real worker (whose relay runs from boot) takes it from there: the mail becomes a message.
    from tests.conversations.support import wait_for

    ready = tmp_path / "ready"
    worker = subprocess.Popen([sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1",
                               "--threads", "2", "--queues", "inbox"], cwd=ROOT, start_new_session=True,
                              env={**os.environ, "WORKER_READY_FILE": str(ready), "OUTBOX_MIN_AGE_SECONDS": "0"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        async def stored():
            async with tenant_tx(seller.tenant_id):
                return await Message.select().where(Message.platform_message_id == message_id).first()
        message = await wait_for(stored, timeout=90)
    finally:
        worker.terminate()
        worker.communicate(timeout=60)
    assert message["content"].startswith("Dzień dobry, gdzie jest moja paczka?")
    async with tenant_tx(seller.tenant_id):
        event = await InboxEvent.select().where(InboxEvent.external_id == message_id).first()
    assert event["status"] == "processed"


async def test_redelivered_webhook_for_a_stuck_event_is_enqueued_again(mailbox, webhooks):
    seller, account = mailbox
    message_id = f"<{uuid.uuid4().hex}@example.pl>"
    finished(cut_off(f"redis://127.0.0.1:{free_port()}/0", "email", str(seller.tenant_id), str(account),
                     TOKEN, message_id))
    raw = (f"From: Jan Kowalski <jan@example.pl>\r\nTo: sklep@example.pl\r\nSubject: Paczka\r\n"
           f"Message-ID: {message_id}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nDzień dobry\r\n").encode()
    headers = {"authorization": f"Bearer {TOKEN}", "content-type": "message/rfc822"}

    # Redelivered at once: the first job is most likely still on its way; nothing more is enqueued.
    soon = await webhooks.post(f"/email/{seller.tenant_id}/{account}", content=raw, headers=headers)
    first_event_id = soon.json()["eventId"]
    assert soon.json() == {"status": "accepted", "duplicate": True, "eventId": first_event_id}
    assert len(await jobs_of(seller.tenant_id, PROCESS_ACTOR[1])) == 1

    # Redelivered after the event sat unprocessed for longer (here: made older): enqueued again, now.
    async with tenant_tx(seller.tenant_id):
        await tx_connection().execute("UPDATE inbox_events SET received_at = now() - interval '5 minutes' "
                                      "WHERE external_id = $1", message_id)
        event = await InboxEvent.select().where(InboxEvent.external_id == message_id).first()
    late = await webhooks.post(f"/email/{seller.tenant_id}/{account}", content=raw, headers=headers)
    assert late.json() == {"status": "accepted", "duplicate": True, "eventId": str(event["id"])}
    assert first_event_id == str(event["id"])  # the same id on every redelivery
    jobs = await jobs_of(seller.tenant_id, PROCESS_ACTOR[1])
    assert len(jobs) == 2 and sorted(j["sent_at"] is None for j in jobs) == [False, True]
    assert queued_jobs(*PROCESS_ACTOR, str(seller.tenant_id)) == [(str(seller.tenant_id), str(event["id"]))]


async def test_reply_approved_while_redis_is_down_is_delivered_by_the_relay():
    seller = await seed_tenant(f"outbox-reply-{uuid.uuid4().hex[:6]}")
    _, message_id = await customer_writes(seller.tenant_id, None, "Czy wysyłacie za granicę?")
    draft = await replies.create_ai_reply(seller.tenant_id, message_id, "Tak, wysyłamy do całej UE.")
    answer = finished(cut_off(f"redis://127.0.0.1:{free_port()}/0", "approve", str(seller.tenant_id),
                              str(seller.user_id), str(draft.id)))
    assert answer == {"status": "approved"}
    [job] = await jobs_of(seller.tenant_id, "replies.deliver")
    assert job["sent_at"] is None
    assert queued_jobs("replies", "replies.deliver", str(seller.tenant_id)) == []

    assert await relay_once(AT_ONCE) >= 1
    assert queued_jobs("replies", "replies.deliver", str(seller.tenant_id)) == [
        (str(seller.tenant_id), str(draft.id))]


async def test_relay_reads_every_tenant_but_the_app_role_still_sees_only_its_own():
    alfa, beta = await seed_tenant("outbox-alfa"), await seed_tenant("outbox-beta")
    from shared.outbox.staging import stage

    for seller in (alfa, beta):
        async with tenant_tx(seller.tenant_id):
            await stage(seller.tenant_id, "probe", "probe.count_messages", str(seller.tenant_id))
    async with tenant_tx(alfa.tenant_id):
        visible = {r["tenant_id"] for r in await OutboxJob.select(OutboxJob.tenant_id)}
    assert visible == {alfa.tenant_id}
    await relay_once(AT_ONCE)
    for seller in (alfa, beta):
        assert queued_jobs("probe", "probe.count_messages", str(seller.tenant_id)) == [(str(seller.tenant_id),)]
        assert all(j["sent_at"] is not None for j in await jobs_of(seller.tenant_id, "probe.count_messages"))
