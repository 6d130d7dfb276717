"""A worker's liveness means "this process is alive": outages of Redis or Postgres keep its liveness
file fresh (Kubernetes must not restart workers that recover by themselves), and it carries on after.

A real `dramatiq shared.worker` with its own redis-server, and its Postgres reached through a proxy
the test cuts (the shared Postgres stays up for everyone else).
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from tests.cuttable_proxy import CuttableProxy
from tests.tenancy.seed import seed_tenant
from tests.worker.test_self_healing import NAMESPACE, enqueue_probe, probe_count, wait_until

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
OUTAGE_SECONDS = 8
# Beats every second here: an age above this means a beat was skipped during the outage.
MAX_FRESH_AGE = 2.5


def through(url: str, port: int) -> str:
    parts = urlsplit(url)
    credentials = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{credentials}@127.0.0.1:{port}"))


def start_worker(tmp_path: Path, redis_url: str, database_url: str,
                 queues: tuple[str, ...] = ("probe",)) -> tuple[subprocess.Popen, Path, Path]:
    ready, alive = tmp_path / "ready", tmp_path / "alive"
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "tests.worker.probe_actors",
         "--processes", "1", "--threads", "2", "--queues", *queues],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "WORKER_READY_FILE": str(ready), "WORKER_LIVENESS_FILE": str(alive),
             "REDIS_URL": redis_url, "DATABASE_URL": database_url, "REDIS_BROKER_NAMESPACE": NAMESPACE,
             "BROKER_HEARTBEAT_TIMEOUT_SECONDS": os.environ.get("BROKER_HEARTBEAT_TIMEOUT_SECONDS", "3"),
             "BROKER_MAINTENANCE_INTERVAL_SECONDS": "1", "WORKER_HEARTBEAT_INTERVAL_SECONDS": "1"})
    return process, ready, alive


async def liveness_ages_during(alive: Path, seconds: float) -> list[float]:
    ages = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ages.append(time.time() - alive.stat().st_mtime)
        await asyncio.sleep(0.25)
    return ages


@pytest.fixture
def postgres_proxy():
    target = urlsplit(os.environ["DATABASE_URL"])
    proxy = CuttableProxy(target.hostname, target.port)
    proxy.start()
    yield proxy
    proxy.close()


@pytest.mark.parametrize("server", ["redis", "postgres"])
async def test_liveness_stays_fresh_through_an_outage_and_work_resumes(tmp_path, private_redis, postgres_proxy,
                                                                       server):
    seller = await seed_tenant(f"liveness-{server}")
    worker, ready, alive = start_worker(tmp_path, private_redis.url,
                                        through(os.environ["DATABASE_URL"], postgres_proxy.port))
    try:
        await wait_until(lambda: asyncio.sleep(0, ready.exists()), 60)
        assert ready.exists(), "worker did not boot"
        await asyncio.sleep(2)  # a few supervisor ticks with everything up
        (private_redis.stop if server == "redis" else postgres_proxy.cut)()
        ages = await liveness_ages_during(alive, OUTAGE_SECONDS)
        (private_redis.start if server == "redis" else postgres_proxy.start)()
        enqueue_probe(private_redis.url, str(seller.tenant_id))
        count, _ = await wait_until(lambda: probe_count(private_redis.url, seller.tenant_id), 45)
        assert worker.poll() is None, "the worker must ride out the outage, not exit"
    finally:
        worker.send_signal(signal.SIGTERM)
        stderr = worker.communicate(timeout=60)[1]
    assert max(ages) < MAX_FRESH_AGE, f"liveness file went stale during the {server} outage: {max(ages):.1f} s"
    assert count is not None, stderr[-3000:]  # the probe job ran after the outage
