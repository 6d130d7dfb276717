"""Fair queueing between sellers (shared.fair_queue through shared.broker): a seller with hundreds of
queued jobs does not delay a seller with one, no seller holds more than its cap, nothing is lost or
run twice when workers race, and a worker killed mid-job loses nothing."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import dramatiq
import pytest

from shared.broker import ResilientRedisBroker
from shared.fair_queue import SHARED_LANE, lane_of
from shared.infra.redis import RedisSettings, make_sync_redis
from shared.queue_classes import CLASS_OF_QUEUE, QUEUE_CLASSES, per_seller_cap
from shared.settings import load

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration
BULK = "knowledge"  # a queue of the bulk class: one job per seller at a time by default


@pytest.fixture
def namespace():
    name = f"bokai-fair-{uuid.uuid4().hex[:10]}"
    yield name
    client = make_sync_redis(load(RedisSettings))
    keys = list(client.scan_iter(match=f"{name}:*", count=1000))
    if keys:
        client.delete(*keys)
    client.delete(f"probe:bulk-done:{name}")


def make_broker(namespace: str, **options) -> ResilientRedisBroker:
    return ResilientRedisBroker(client=make_sync_redis(load(RedisSettings)), namespace=namespace, **options)


def send(broker: ResilientRedisBroker, queue: str, *args: str) -> None:
    broker.enqueue(dramatiq.Message(queue_name=queue, actor_name="probe.bulk_job", args=args, kwargs={}, options={}))


def fetch(broker: ResilientRedisBroker, queue: str, room: int) -> list[dramatiq.Message]:
    return [dramatiq.Message.decode(data) for data in broker.do_fetch(queue, room) if data]


def finish(broker: ResilientRedisBroker, message: dramatiq.Message) -> None:
    """What a worker does once a job ran: ack it and free its seller's slot (FairShareSlots)."""
    broker.do_ack(message.queue_name, message.options["redis_message_id"])
    broker.fair.done(message.queue_name, lane_of(message.args), message.options["redis_message_id"])


def test_every_actor_queue_is_in_exactly_one_priority_class():
    import shared.worker  # noqa: F401 — registers every actor

    broker = dramatiq.get_broker()
    queues = {actor.queue_name for actor in broker.actors.values() if not actor.actor_name.startswith("probe.")}
    assert queues <= set(CLASS_OF_QUEUE), queues - set(CLASS_OF_QUEUE)
    assert sum(len(q) for q in QUEUE_CLASSES.values()) == len(CLASS_OF_QUEUE), "a queue in two classes"
    live = {"inbox.process_event", "replies.handle_customer_message", "replies.deliver", "events.deliver"}
    assert {CLASS_OF_QUEUE[broker.get_actor(a).queue_name] for a in live} == {"live"}
    assert CLASS_OF_QUEUE[broker.get_actor("ai.generate_reply").queue_name] == "reply"
    bulk = {"knowledge.ingest_document", "knowledge.deactivate_idle_tenants", "channels.schedule_sync"}
    assert {CLASS_OF_QUEUE[broker.get_actor(a).queue_name] for a in bulk} == {"bulk"}


def test_lane_is_the_seller_or_the_seller_of_the_job_that_gave_up():
    seller = str(uuid.uuid4())
    assert lane_of((seller, "doc")) == seller
    assert lane_of(({"args": [seller, "doc"]}, {"retries": 5})) == seller
    assert lane_of(()) == lane_of(("not-a-tenant",)) == lane_of(("t:../x",)) == SHARED_LANE


def test_one_job_seller_is_released_before_a_neighbours_hundreds(namespace):
    broker = make_broker(namespace)
    flooder, neighbour = str(uuid.uuid4()), str(uuid.uuid4())
    for i in range(300):
        send(broker, BULK, flooder, str(i), "0")
    send(broker, BULK, neighbour, "only", "0")

    first = fetch(broker, BULK, 2)  # a worker with room for two
    assert [m.args[0] for m in first] == [flooder, neighbour], "the neighbour's job goes out in the first round"
    assert fetch(broker, BULK, 2) == [], "the flooder already holds its one bulk slot"
    finish(broker, first[0])
    (second,) = fetch(broker, BULK, 2)
    assert second.args[:2] == (flooder, "1"), "the flooder's jobs keep their order"
    waiting = broker.fair.waiting(BULK)
    assert (waiting.staged, waiting.sellers) == (298, 1)


def test_a_seller_never_holds_more_than_its_cap(namespace):
    broker = make_broker(namespace)
    cap = per_seller_cap("inbox")
    flooder, others = str(uuid.uuid4()), [str(uuid.uuid4()) for _ in range(3)]
    for i in range(50):
        send(broker, "inbox", flooder, str(i), "0")
    for seller in others:
        send(broker, "inbox", seller, "one", "0")
    taken = fetch(broker, "inbox", 20)
    held = Counter(m.args[0] for m in taken)
    assert held[flooder] == cap and all(held[s] == 1 for s in others)


def test_racing_workers_run_every_job_once_and_respect_the_cap(namespace):
    """Four workers (own broker identities, like four processes) drain three sellers' jobs concurrently."""
    sellers = {str(uuid.uuid4()): n for n in (120, 30, 1)}
    producer = make_broker(namespace)
    for seller, count in sellers.items():
        for i in range(count):
            send(producer, "inbox", seller, str(i), "0")
    cap = per_seller_cap("inbox")
    lock = threading.Lock()
    running: Counter = Counter()
    most: Counter = Counter()
    ran: Counter = Counter()

    def work() -> None:
        broker = make_broker(namespace)
        idle_since = time.monotonic()
        while time.monotonic() - idle_since < 1.0:
            messages = fetch(broker, "inbox", 2)
            if messages:
                idle_since = time.monotonic()
            for message in messages:
                seller = message.args[0]
                with lock:
                    running[seller] += 1
                    most[seller] = max(most[seller], running[seller])
                    ran[message.args[:2]] += 1
                time.sleep(0.001)
                with lock:
                    running[seller] -= 1
                finish(broker, message)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sum(ran.values()) == sum(sellers.values()) and set(ran.values()) == {1}, "each job exactly once"
    assert max(most.values()) <= cap
    assert producer.fair.waiting("inbox").staged == 0


def test_a_job_held_by_a_killed_worker_returns_and_its_seller_keeps_its_place(namespace):
    dead = make_broker(namespace, heartbeat_timeout=200)
    seller = str(uuid.uuid4())
    for i in range(3):
        send(dead, BULK, seller, str(i), "0")
    (held,) = fetch(dead, BULK, 2)  # then the worker dies: no ack, no done
    survivor = make_broker(namespace, heartbeat_timeout=200)
    assert fetch(survivor, BULK, 2) == [], "the seller's slot is still taken by the dead worker's job"
    time.sleep(0.4)
    survivor.run_maintenance(BULK)  # the supervisor's tick: a dead worker's jobs go back to the queue
    (again,) = fetch(survivor, BULK, 2)
    assert again.options["redis_message_id"] == held.options["redis_message_id"]
    finish(survivor, again)
    rest = []
    while batch := fetch(survivor, BULK, 2):
        rest += batch
        for message in batch:
            finish(survivor, message)
    assert [m.args[1] for m in rest] == ["1", "2"], "nothing lost, nothing twice besides the interrupted job"


def test_purged_jobs_are_skipped_and_the_lane_is_dropped(namespace):
    broker = make_broker(namespace)
    seller = str(uuid.uuid4())
    send(broker, BULK, seller, "gone", "0")
    broker.client.delete(f"{namespace}:{BULK}.msgs")  # e.g. an operator's purge of the data
    assert fetch(broker, BULK, 2) == []
    assert broker.fair.waiting(BULK).sellers == 0


def test_enqueues_go_straight_to_the_queue_with_fair_queues_off_and_staged_jobs_still_drain(namespace, monkeypatch):
    broker = make_broker(namespace)
    early = str(uuid.uuid4())
    send(broker, BULK, early, "staged", "0")
    monkeypatch.setenv("BROKER_FAIR_QUEUES", "false")
    send(broker, BULK, early, "direct", "0")
    assert broker.client.llen(f"{namespace}:{BULK}") == 1
    taken = fetch(broker, BULK, 3)
    assert sorted(m.args[1] for m in taken) == ["direct", "staged"]


# --- a real worker -------------------------------------------------------------------------------

def start_bulk_worker(tmp_path: Path, namespace: str) -> tuple[subprocess.Popen, Path]:
    ready = tmp_path / "ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "tests.worker.probe_actors", "--processes", "1",
         "--threads", "2", "--queues", BULK],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "WORKER_READY_FILE": str(ready), "REDIS_BROKER_NAMESPACE": namespace})
    return process, ready


async def test_a_real_worker_serves_a_one_job_seller_while_another_has_hundreds_queued(tmp_path, namespace):
    process, ready = start_bulk_worker(tmp_path, namespace)
    try:
        deadline = time.monotonic() + 60
        while not ready.exists():
            assert process.poll() is None and time.monotonic() < deadline, "worker did not boot"
            await asyncio.sleep(0.2)
        broker = make_broker(namespace)
        flooder, neighbour = str(uuid.uuid4()), str(uuid.uuid4())
        for i in range(300):
            send(broker, BULK, flooder, str(i), "0.5")
        await asyncio.sleep(1.5)  # the flood is being worked on
        sent = time.time()
        send(broker, BULK, neighbour, "one", "0.5")
        done_key = f"probe:bulk-done:{namespace}"
        neighbour_done = None
        while neighbour_done is None and time.time() - sent < 20:
            await asyncio.sleep(0.1)
            for record in broker.client.lrange(done_key, 0, -1):
                tenant, job, at = record.decode().split(":")
                if tenant == neighbour:
                    neighbour_done = float(at)
        flooder_done = sum(1 for r in broker.client.lrange(done_key, 0, -1) if r.decode().startswith(flooder))
    finally:
        process.terminate()
        process.wait(timeout=60)
    assert neighbour_done is not None, "the one-job seller was never served"
    # One flooder job at a time (its cap) leaves the second thread to the neighbour: its 0.5 s job
    # ends about 0.5 s after it was enqueued, with hundreds of the flooder's still queued.
    assert neighbour_done - sent < 3.0, f"served after {neighbour_done - sent:.1f} s"
    assert flooder_done < 30, "the flooder's jobs ran one at a time"
