"""The worker as its image runs it (WORKER_METRICS=1): Prometheus metrics on its port, clean exit on SIGTERM."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import httpx
import pytest

from shared.broker import enqueue
from tests.tenancy.seed import seed_tenant
from tests.worker.test_worker import ROOT

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_worker_exports_metrics_and_drains_on_sigterm(tmp_path):
    port, ready = _free_port(), tmp_path / "ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "tests.worker.probe_actors",
         "--processes", "1", "--threads", "2", "--queues", "probe"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "WORKER_READY_FILE": str(ready), "WORKER_METRICS": "1",
             "dramatiq_prom_host": "127.0.0.1", "dramatiq_prom_port": str(port),
             "dramatiq_prom_db": str(tmp_path / "prom")},
    )
    try:
        deadline = time.monotonic() + 30
        while not ready.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert ready.exists(), "worker did not boot"
        tenant = await seed_tenant("metrics-alfa")
        enqueue("probe", "probe.count_messages", str(tenant.tenant_id))
        body = ""
        while 'actor_name="probe.count_messages"' not in body and time.monotonic() < deadline:
            time.sleep(0.3)
            try:
                body = httpx.get(f"http://127.0.0.1:{port}/", timeout=2).text
            except httpx.TransportError:
                pass
        assert 'dramatiq_messages_total{actor_name="probe.count_messages",queue_name="probe"} 1.0' in body
    finally:
        process.terminate()  # what Kubernetes / docker stop send: dramatiq finishes in-flight work
        stderr = process.communicate(timeout=60)[1]
    assert process.returncode == 0, stderr
