"""A worker loads what a first message needs before it takes a job (shared.ai.actors.WarmUp): a job
waiting when the worker boots finds the knowledge stores open, the language detector, the intent
classifier and, in a worker that writes replies, the spelling dictionary loaded."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dramatiq
import pytest

from shared.broker import ResilientRedisBroker
from shared.infra.redis import RedisSettings, make_sync_redis
from shared.settings import load

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


async def test_the_first_job_of_a_reply_worker_finds_everything_loaded(tmp_path):
    namespace, run = f"bokai-warm-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex
    broker = ResilientRedisBroker(client=make_sync_redis(load(RedisSettings)), namespace=namespace)
    # Waiting before the worker exists: it is taken the moment the worker consumes.
    broker.enqueue(dramatiq.Message(queue_name="ai", actor_name="probe.warm_state", args=(str(uuid.uuid4()), run),
                                    kwargs={}, options={}))
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "tests.worker.probe_actors", "--processes", "1",
         "--threads", "2", "--queues", "ai"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "REDIS_BROKER_NAMESPACE": namespace})
    key = f"probe:warm:{run}:{namespace}"
    try:
        deadline = time.monotonic() + 120
        while not broker.client.llen(key):
            assert process.poll() is None and time.monotonic() < deadline, "the job never ran"
            await asyncio.sleep(0.2)
        state = json.loads(broker.client.lindex(key, 0))
    finally:
        process.terminate()
        process.wait(timeout=60)
        broker.client.delete(key, *broker.client.scan_iter(match=f"{namespace}:*"))
    assert state == {"stores": True, "language": True, "dictionary": True, "classifier": True}
