"""Poisoned jobs end visibly failed after bounded attempts while another seller's jobs are served (issue
21, bad input): one that kills its worker process every time (shared.crashing_jobs), one that never
finishes (its actor's time limit and retries). A real worker of the bulk class under a restart loop (what
Kubernetes' restartPolicy does), real Redis."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import time
import uuid
from pathlib import Path

import dramatiq
import pytest
from dramatiq.common import xq_name

from shared.broker import ResilientRedisBroker
from shared.infra.redis import RedisSettings, make_sync_redis
from shared.settings import load
from tests.faults.processes import Supervised

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration
BULK = "knowledge"


@pytest.fixture
def namespace():
    name = f"bokai-poison-{uuid.uuid4().hex[:10]}"
    yield name
    client = make_sync_redis(load(RedisSettings))
    keys = list(client.scan_iter(match=f"{name}:*", count=1000))
    client.delete(*(f"{k}:{name}" for k in ("probe:bulk-done", "probe:started", "probe:gave-up")), *keys)


@pytest.fixture
async def bulk_worker(tmp_path, namespace):
    ready = tmp_path / "ready"
    worker = Supervised(
        "worker-bulk", [sys.executable, "-m", "dramatiq", "shared.worker", "tests.worker.probe_actors",
                        "--processes", "1", "--threads", "2", "--queues", BULK],
        {**os.environ, "WORKER_READY_FILE": str(ready), "REDIS_BROKER_NAMESPACE": namespace,
         # A dead worker's jobs come back within seconds (production: 30 s heartbeat, 10 s maintenance).
         "BROKER_HEARTBEAT_TIMEOUT_SECONDS": "2", "BROKER_MAINTENANCE_INTERVAL_SECONDS": "1"}, tmp_path)
    worker.start()
    deadline = time.monotonic() + 90
    while not ready.exists():
        assert time.monotonic() < deadline, "worker did not boot"
        await asyncio.sleep(0.2)
    yield worker
    await worker.stop()


def send(broker: ResilientRedisBroker, actor: str, *args: str) -> None:
    broker.enqueue(dramatiq.Message(queue_name=BULK, actor_name=actor, args=args, kwargs={}, options={}))


def records(broker: ResilientRedisBroker, kind: str) -> list[str]:
    return [r.decode() for r in broker.client.lrange(f"probe:{kind}:{broker.namespace}", 0, -1)]


async def bystander_meanwhile(broker: ResilientRedisBroker, seller: str, until, timeout: float) -> dict:
    """One 0.3 s job of ``seller`` every second until ``until()`` and three after; when each was sent
    and when it was done (None: never)."""
    sent: dict[str, float] = {}
    deadline, after = time.monotonic() + timeout, 3
    while after and time.monotonic() < deadline:
        after -= 1 if until() else 0
        job = str(len(sent))
        sent[job] = time.time()
        send(broker, "probe.bulk_job", seller, job, "0.3")
        await asyncio.sleep(1.0)
    while time.monotonic() < deadline + 30:  # the last ones finish
        ends = dict(r.split(":")[1:] for r in records(broker, "bulk-done") if r.startswith(seller))
        if set(ends) >= set(sent):
            break
        await asyncio.sleep(0.2)
    return {job: (at, float(ends[job]) if job in ends else None) for job, at in sent.items()}


async def test_a_job_that_kills_its_worker_every_time_is_given_up_after_three_starts(bulk_worker, namespace):
    broker = ResilientRedisBroker(client=make_sync_redis(load(RedisSettings)), namespace=namespace)
    poisoner, beside, bystander = (str(uuid.uuid4()) for _ in range(3))
    # Running beside the poison when it first kills the worker: it must come back once, not die with it.
    send(broker, "probe.bulk_job", beside, "beside", "1.5")
    send(broker, "probe.crash_worker", poisoner, "poison")
    started = time.monotonic()
    jobs = await bystander_meanwhile(broker, bystander, lambda: records(broker, "gave-up"), timeout=150)

    assert time.monotonic() - started < 120, "given up within three crash-and-recover rounds"
    assert records(broker, "started") == [f"{poisoner}:poison"] * 3, "three starts, then given up unstarted"
    (gave_up,) = map(json.loads, records(broker, "gave-up"))
    assert gave_up["args"] == [poisoner, "poison"] and gave_up["crashed_workers"] == 3
    assert broker.client.zcard(f"{namespace}:{xq_name(BULK)}") == 1, "the poisoned job is a dead letter"
    assert bulk_worker.restarts == 3
    done = [r.split(":")[0:2] for r in records(broker, "bulk-done")]
    assert [beside, "beside"] in done and len(done) == len({tuple(d) for d in done}), "every job ran once"
    assert all(end is not None for _, end in jobs.values()), f"the bystander lost jobs: {jobs}"
    # Each crash costs a worker boot and the dead worker's recovery, seconds in which nobody is served;
    # once the poison is given up (bounded: three crashes) the bystander's backlog drains, one 0.3 s job
    # at a time (the bulk class's per-seller cap).
    last_sent, last_done = max(jobs.values())
    assert last_done - last_sent < 0.3 * len(jobs) + 5, jobs


async def test_a_job_that_never_finishes_is_given_up_after_its_time_limit_and_retries(bulk_worker, namespace):
    broker = ResilientRedisBroker(client=make_sync_redis(load(RedisSettings)), namespace=namespace)
    poisoner, bystander = str(uuid.uuid4()), str(uuid.uuid4())
    send(broker, "probe.hang", poisoner, "forever")
    jobs = await bystander_meanwhile(broker, bystander, lambda: records(broker, "gave-up"), timeout=60)

    assert records(broker, "started") == [f"{poisoner}:forever"] * 2, "the first run and its one retry"
    (gave_up,) = map(json.loads, records(broker, "gave-up"))
    assert gave_up["args"] == [poisoner, "forever"] and gave_up["retries"] == 1
    assert broker.client.zcard(f"{namespace}:{xq_name(BULK)}") == 1, "the hung job is a dead letter"
    assert bulk_worker.restarts == 0
    # The hung job holds one of the two threads; the bystander has the other all along.
    assert all(end is not None and end - at < 3 for at, end in jobs.values()), jobs
