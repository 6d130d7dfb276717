"""The worker recovers from a Redis restart and from a killed worker by itself (issue 17).

Each test gives a real `dramatiq shared.worker` its own redis-server (so restarting it disturbs
nobody else) with short, configured recovery bounds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dramatiq
import pytest
import redis

from shared.broker import ResilientRedisBroker
from shared.tenancy.keys import TenantKeys
from tests.tenancy.seed import seed_tenant

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
NAMESPACE = "bokai-self-healing"


def start_worker(tmp_path: Path, redis_url: str, name: str) -> tuple[subprocess.Popen, Path]:
    ready = tmp_path / f"ready-{name}"
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "tests.worker.probe_actors",
         "--processes", "1", "--threads", "2", "--queues", "probe"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "WORKER_READY_FILE": str(ready), "REDIS_URL": redis_url,
             "WORKER_LIVENESS_FILE": str(tmp_path / f"alive-{name}"),
             "REDIS_BROKER_NAMESPACE": NAMESPACE, "BROKER_HEARTBEAT_TIMEOUT_SECONDS": "3",
             "BROKER_MAINTENANCE_INTERVAL_SECONDS": "1"})
    return process, ready


async def wait_until(predicate, timeout: float):
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if value := await predicate():
            return value, time.monotonic() - started
        await asyncio.sleep(0.2)
    return None, time.monotonic() - started


def enqueue_probe(redis_url: str, tenant_id: str, delay_ms: int | None = None) -> None:
    broker = ResilientRedisBroker(client=redis.Redis.from_url(redis_url), namespace=NAMESPACE)
    broker.enqueue(dramatiq.Message(queue_name="probe", actor_name="probe.count_messages", args=(tenant_id,),
                                    kwargs={}, options={}), delay=delay_ms)


async def probe_count(redis_url: str, tenant_id) -> bytes | None:
    from redis.asyncio import Redis

    client = Redis.from_url(redis_url)
    try:
        return await TenantKeys(client, tenant_id).get("probe:message-count")
    except redis.ConnectionError:
        return None
    finally:
        await client.aclose()


async def test_a_delayed_job_held_in_memory_survives_a_redis_restart(tmp_path, private_redis):
    seller = await seed_tenant("self-healing-redis")
    worker, ready = start_worker(tmp_path, private_redis.url, "redis")
    try:
        await wait_until(lambda: asyncio.sleep(0, ready.exists()), 60)
        assert ready.exists(), "worker did not boot"
        # Delayed: the worker fetches it into its in-memory delay queue and holds it there, which
        # is what Dramatiq throws away when its Redis connection fails.
        enqueue_probe(private_redis.url, str(seller.tenant_id), delay_ms=4000)
        await asyncio.sleep(1.5)
        private_redis.stop()
        await asyncio.sleep(2)
        private_redis.start()
        count, seconds = await wait_until(lambda: probe_count(private_redis.url, seller.tenant_id), 45)
        assert worker.poll() is None, "the worker must recover in place, not exit"
        # The supervisor ticks again once Redis is back: a liveness probe sees a fresh file.
        await asyncio.sleep(1.5)
        assert time.time() - (tmp_path / "alive-redis").stat().st_mtime < 3
    finally:
        worker.send_signal(signal.SIGTERM)
        stderr = worker.communicate(timeout=60)[1]
    assert count == b"1", stderr[-3000:]
    assert "worker identity" in stderr, "recovery went through the identity rotation"
    print(f"delayed job ran {seconds:.1f} s after Redis came back")


async def test_a_killed_workers_job_comes_back_within_the_configured_bound(tmp_path, private_redis):
    seller = await seed_tenant("self-healing-kill")
    first, ready = start_worker(tmp_path, private_redis.url, "first")
    try:
        await wait_until(lambda: asyncio.sleep(0, ready.exists()), 60)
        enqueue_probe(private_redis.url, str(seller.tenant_id), delay_ms=3000)
        await asyncio.sleep(1.5)  # fetched and held by the first worker
    finally:
        os.killpg(first.pid, signal.SIGKILL)
        first.communicate(timeout=30)
    killed_at = time.monotonic()
    second, ready = start_worker(tmp_path, private_redis.url, "second")
    try:
        count, _ = await wait_until(lambda: probe_count(private_redis.url, seller.tenant_id), 45)
        back_after = time.monotonic() - killed_at
    finally:
        second.send_signal(signal.SIGTERM)
        stderr = second.communicate(timeout=60)[1]
    assert count == b"1", stderr[-3000:]
    # heartbeat 3 s + maintenance every 1 s + the 3 s delay + the second worker's boot (~5-10 s here).
    assert back_after < 30, back_after
    print(f"killed worker's job ran {back_after:.1f} s after the kill")
