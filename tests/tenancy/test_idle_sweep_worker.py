"""Nobody runs the idle sweep by hand: a real worker's supervisor enqueues it and the worker runs it.

The worker gets a redis-server of its own (its last-use records, its schedule key and its queues
are the test's alone) and the stack's Weaviate, where only the test's seller has an old last use.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from redis.asyncio import Redis

from shared.infra.vectors import KNOWLEDGE_COLLECTION, connect_weaviate, ensure_knowledge_collection
from shared.tenancy.vector_activity import LAST_USE_KEY, flush_marks
from shared.tenancy.vectors import ChunkToIndex, TenantVectors

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


async def test_the_worker_deactivates_an_idle_seller_on_its_own(tmp_path, private_redis):
    weaviate = await connect_weaviate()
    await ensure_knowledge_collection(weaviate)
    idle, recent = uuid.uuid4(), uuid.uuid4()
    for n, seller in enumerate((idle, recent)):
        await TenantVectors(weaviate, seller).insert(
            [ChunkToIndex(f"doc-{n}", 0, "Regulamin", "Zwroty w 14 dni.", [1.0 if i == n else 0.0 for i in range(384)])])
    await flush_marks()
    records = Redis.from_url(private_redis.url)
    await records.zadd(LAST_USE_KEY, {str(idle): time.time() - 30 * 86400, str(recent): time.time()})
    ready = tmp_path / "ready"
    worker = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "1",
         "--queues", "knowledge"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "WORKER_READY_FILE": str(ready), "REDIS_URL": private_redis.url,
             "REDIS_BROKER_NAMESPACE": "bokai-idle-sweep-test", "BROKER_MAINTENANCE_INTERVAL_SECONDS": "1",
             "IDLE_TENANTS_IDLE_DAYS": "14"})
    tenants = weaviate.collections.use(KNOWLEDGE_COLLECTION).tenants
    try:
        deadline = time.monotonic() + 90
        status = {}
        while time.monotonic() < deadline:
            status = {t: v.activity_status.value
                      for t, v in (await tenants.get_by_names([str(idle), str(recent)])).items()}
            if status.get(str(idle)) == "INACTIVE" or worker.poll() is not None:
                break
            await asyncio.sleep(0.5)
    finally:
        worker.send_signal(signal.SIGTERM)
        stderr = worker.communicate(timeout=60)[1]
        await records.aclose()
        await weaviate.close()
    assert status == {str(idle): "INACTIVE", str(recent): "ACTIVE"}, stderr[-3000:]
