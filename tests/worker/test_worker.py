"""A real `dramatiq shared.worker` process picks up a job enqueued by name and runs it under RLS."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from shared.broker import enqueue
from shared.infra.redis import make_redis
from shared.tenancy.keys import TenantKeys
from tests.tenancy.seed import seed_tenant

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


@pytest.fixture
def worker(tmp_path):
    ready = tmp_path / "ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "tests.worker.probe_actors",
         "--processes", "1", "--threads", "2", "--queues", "probe"],
        cwd=ROOT, env={**os.environ, "WORKER_READY_FILE": str(ready)},
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    yield process, ready
    process.terminate()
    process.wait(timeout=30)


async def wait_for(predicate, timeout: float = 30.0):
    deadline = asyncio.get_running_loop().time() + timeout
    while (value := await predicate()) is None:
        if asyncio.get_running_loop().time() > deadline:
            return None
        await asyncio.sleep(0.2)
    return value


async def test_worker_runs_async_actor_with_tenant_scope(worker):
    process, ready = worker
    alfa, beta = await seed_tenant("worker-alfa"), await seed_tenant("worker-beta")

    async def booted():
        return True if ready.exists() else None

    assert await wait_for(booted), "worker did not boot"
    assert "probe" in ready.read_text()
    enqueue("probe", "probe.count_messages", str(alfa.tenant_id))

    redis = make_redis()
    try:
        keys = TenantKeys(redis, alfa.tenant_id)
        count = await wait_for(lambda: keys.get("probe:message-count"))
        assert count == b"1", "each tenant has one message; the actor must see only its own"
        assert await TenantKeys(redis, beta.tenant_id).get("probe:message-count") is None
    finally:
        await redis.aclose()
    assert process.poll() is None, process.stderr.read() if process.stderr else ""
