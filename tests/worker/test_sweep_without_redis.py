"""The supervisor's periodic sweep enqueue never waits for Redis on the worker's event loop.

A worker's enqueues wait until Redis is back (the patient broker); the idle-tenant sweep is enqueued
from the event loop every async actor and the outbox relay share, so it must fail fast, in a thread,
and leave its coalescing key free for the next tick. Run in its own process: the job queues' Redis
(REDIS_BROKER_URL) is a private redis-server frozen with SIGSTOP (it accepts, never answers, so the
enqueue takes its full socket timeout); the other Redis is the stack's.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import uuid

import pytest

from tests.outbox.test_outbox import ROOT

pytestmark = pytest.mark.integration

SWEEP_WHILE_REDIS_IS_DOWN = """
import asyncio, json, time
from shared.broker import broker
from shared.infra.redis import close_redis, open_redis, redis_client
from shared.knowledge.idle_tenants import IdleTenantSettings, schedule_sweep
from shared.settings import load

broker.patient = True  # as the worker's supervisor sets it at boot

async def main():
    await open_redis()
    ticks = 0
    async def ticker():
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1
    task = asyncio.create_task(ticker())
    started = time.monotonic()
    try:
        outcome = await schedule_sweep()
    except Exception as problem:
        outcome = type(problem).__name__
    elapsed = time.monotonic() - started
    task.cancel()
    key_left = await redis_client().exists(load(IdleTenantSettings).schedule_key)
    await close_redis()
    print(json.dumps({"outcome": outcome, "seconds": elapsed, "ticks": ticks, "keyLeft": key_left}))

asyncio.run(main())
"""


def test_sweep_enqueue_fails_fast_off_the_loop_and_the_next_tick_tries_again(private_redis):
    env = {**os.environ, "REDIS_BROKER_URL": private_redis.url, "REDIS_COMMAND_RETRIES": "1",
           "REDIS_SOCKET_TIMEOUT_SECONDS": "2", "IDLE_TENANTS_SCHEDULE_KEY": f"test:idle-sweep:{uuid.uuid4()}"}
    private_redis.process.send_signal(signal.SIGSTOP)
    try:
        process = subprocess.run([sys.executable, "-c", SWEEP_WHILE_REDIS_IS_DOWN], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=60)
    finally:
        private_redis.process.send_signal(signal.SIGCONT)
    assert process.returncode == 0, process.stderr[-2000:]
    result = json.loads(process.stdout.strip().splitlines()[-1])
    assert result["outcome"] in ("TimeoutError", "ConnectionError") and result["keyLeft"] == 0
    assert 1 < result["seconds"] < 30  # the socket timeout (2 s) per attempt, not "until Redis is back"
    # The event loop kept running all the while the enqueue waited for the frozen server.
    assert result["ticks"] >= result["seconds"] / 0.05 * 0.5
