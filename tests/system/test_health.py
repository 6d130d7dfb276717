"""The health function reports the workers: a priority class without a live worker is degraded (503),
however healthy the servers are (issue 22: it stayed 200 with the worker dead)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from functions.health.handler import app as health_app
from tests.support import serve

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


async def health_until(client, predicate, timeout: float):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        response = await client.get("/")
        if predicate(response) or asyncio.get_running_loop().time() > deadline:
            return response
        await asyncio.sleep(0.5)


async def test_health_follows_the_workers_heartbeats(monkeypatch, tmp_path):
    # A namespace of this test's own: no other worker's heartbeats.
    monkeypatch.setenv("REDIS_BROKER_NAMESPACE", f"health-{uuid.uuid4().hex[:8]}")
    monkeypatch.setenv("WORKER_HEARTBEAT_INTERVAL_SECONDS", "1")
    monkeypatch.setenv("WORKER_HEARTBEAT_STALE_AFTER_SECONDS", "3")
    ready = tmp_path / "ready"
    async with serve(health_app, timeout=30) as client:
        before = await client.get("/")
        # One worker consuming a queue of every class stands for the three deployments.
        worker = subprocess.Popen(
            [sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "1",
             "--queues", "inbox", "ai", "knowledge"],
            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
            env={**os.environ, "WORKER_READY_FILE": str(ready)})
        try:
            running = await health_until(client, lambda r: all(w["alive"] for w in r.json()["workers"].values()), 60)
        finally:
            os.killpg(worker.pid, signal.SIGKILL)  # dead, not shut down: no goodbye in Redis
            stderr = worker.communicate(timeout=30)[1]
        dead = await health_until(client, lambda r: not any(w["alive"] for w in r.json()["workers"].values()), 15)
    assert before.status_code == 503 and before.json()["status"] == "degraded"
    assert {name: w["alive"] for name, w in before.json()["workers"].items()} == {"live": 0, "reply": 0, "bulk": 0}
    assert all(w["alive"] == 1 and w["lastHeartbeatAgeSeconds"] < 3 for w in running.json()["workers"].values()), (
        running.text, stderr[-2000:])
    # With every worker alive the status is the servers' (a shared model server may be busy answering others).
    servers_ok = all(check["ok"] for check in running.json()["checks"].values())
    assert (running.status_code, running.json()["status"]) == ((200, "ok") if servers_ok else (503, "degraded"))
    assert dead.status_code == 503 and dead.json()["status"] == "degraded", dead.text
    assert all(w["alive"] == 0 and w["lastHeartbeatAgeSeconds"] >= 3 for w in dead.json()["workers"].values())
