"""docs/operations.md: `GET /function/health/` answers 503 `degraded` when a dependency does not answer,
even with a live worker in every class, and the failing server shows in `checks` — by the error's type
only (a driver's message can carry hosts or user names). The workers' side is tests/system/test_health.py."""

from __future__ import annotations

import os
import uuid

import pytest
import redis

from functions.health.handler import app as health_app
from shared.ops.presence import members_for, record_beat
from tests.support import free_port, serve

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


@pytest.fixture
def every_class_alive(monkeypatch):
    """A fresh beat of the live, reply and bulk class, in a namespace of this test's own."""
    namespace = f"health-deps-{uuid.uuid4().hex[:8]}"
    monkeypatch.setenv("REDIS_BROKER_NAMESPACE", namespace)
    client = redis.Redis.from_url(os.environ.get("REDIS_BROKER_URL") or os.environ["REDIS_URL"])
    record_beat(client, namespace, members_for(["inbox", "ai", "knowledge"]))
    yield
    client.delete(f"{namespace}:worker-heartbeats")
    client.close()


@pytest.mark.parametrize(("check", "setting"), [("weaviate", "WEAVIATE_HTTP_PORT"), ("objectStore", "S3_ENDPOINT"),
                                                ("llm", "LLM_BASE_URL")])
async def test_a_server_that_does_not_answer_makes_it_degraded(every_class_alive, monkeypatch, check, setting):
    port = free_port()  # nothing listens there
    closed = {"WEAVIATE_HTTP_PORT": str(port), "S3_ENDPOINT": f"127.0.0.1:{port}",
              "LLM_BASE_URL": f"http://127.0.0.1:{port}/v1"}[setting]
    monkeypatch.setenv(setting, closed)
    async with serve(health_app, timeout=30) as client:
        response = await client.get("/")

    assert response.status_code == 503, response.text
    report = response.json()
    assert report["status"] == "degraded"
    assert {name: w["alive"] for name, w in report["workers"].items()} == {"live": 1, "reply": 1, "bulk": 1}
    failed = report["checks"][check]
    assert failed["ok"] is False and failed["error"], failed
    assert str(port) not in response.text and "127.0.0.1" not in response.text
    assert report["checks"]["postgres"]["ok"] and report["checks"]["redis"]["ok"]

