"""After a Redis restart the worker's retired identity hands its jobs over at once (shared/ops/handover.py):
a delayed job Dramatiq dropped from memory runs right after Redis is back, not a heartbeat timeout
later, and a job running through the restart runs once, not again when the old identity times out
(issue 22: a 10 s Redis outage paused deliveries ~25 s after Redis was back)."""

from __future__ import annotations

import asyncio
import signal
import time

import dramatiq
import pytest
import redis

from shared.broker import ResilientRedisBroker
from tests.tenancy.seed import seed_tenant
from tests.worker.test_self_healing import NAMESPACE, probe_count, wait_until
from tests.worker.test_liveness import start_worker as start_liveness_worker

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
HEARTBEAT_TIMEOUT = 8
ACROSS_SECONDS = 8  # the job running across the restart


def enqueue(redis_url: str, actor: str, queue: str, *args: str, delay_ms: int | None = None) -> None:
    broker = ResilientRedisBroker(client=redis.Redis.from_url(redis_url), namespace=NAMESPACE)
    broker.enqueue(dramatiq.Message(queue_name=queue, actor_name=actor, args=args, kwargs={}, options={}),
                   delay=delay_ms)


def bulk_runs(redis_url: str) -> list[bytes]:
    return redis.Redis.from_url(redis_url).lrange(f"probe:bulk-done:{NAMESPACE}", 0, -1)


async def test_held_jobs_resume_at_once_after_a_redis_restart_and_run_once(tmp_path, private_redis, monkeypatch):
    import os

    seller = await seed_tenant("identity-handover")
    monkeypatch.setenv("BROKER_HEARTBEAT_TIMEOUT_SECONDS", str(HEARTBEAT_TIMEOUT))
    worker, ready, _ = start_liveness_worker(tmp_path, private_redis.url, os.environ["DATABASE_URL"],
                                             queues=("probe", "knowledge"))
    try:
        await wait_until(lambda: asyncio.sleep(0, ready.exists()), 60)
        assert ready.exists(), "worker did not boot"
        # Held in the worker's memory through the restart: a delayed job (dropped by Dramatiq on the
        # connection error) and a job running across it (acked after the identity changed).
        enqueue(private_redis.url, "probe.count_messages", "probe", str(seller.tenant_id), delay_ms=5000)
        enqueue(private_redis.url, "probe.bulk_job", "knowledge", str(seller.tenant_id), "across",
                str(ACROSS_SECONDS))
        await asyncio.sleep(1.5)
        private_redis.stop()
        await asyncio.sleep(2)
        private_redis.start()
        back = time.monotonic()
        count, _ = await wait_until(lambda: probe_count(private_redis.url, seller.tenant_id), 30)
        delayed_ran_after = time.monotonic() - back
        # A second run would have been requeued after the old identity's heartbeat timeout and finished by now.
        await asyncio.sleep(max(0.0, HEARTBEAT_TIMEOUT + ACROSS_SECONDS + 4 - (time.monotonic() - back)))
        runs = bulk_runs(private_redis.url)
    finally:
        worker.send_signal(signal.SIGTERM)
        stderr = worker.communicate(timeout=60)[1]
    assert count is not None, stderr[-3000:]
    assert "worker identity" in stderr and "dropped ones requeued" in stderr, stderr[-3000:]
    # The job's own 5 s delay, counted from its enqueue 3.5 s before Redis came back, plus a tick or two.
    assert delayed_ran_after < 6, f"the delayed job ran {delayed_ran_after:.1f} s after Redis was back"
    assert len(runs) == 1, runs
    print(f"delayed job ran {delayed_ran_after:.1f} s after Redis came back; the running one ran {len(runs)}×")
