"""A job's model-server calls are interactive or background by its queue's priority class, in a real
worker (shared.broker.ModelServerPriority): live (and reply) work embeds on the interactive server, bulk
work on the background one, with no flag at the call site (the probe actors run the same code)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dramatiq
import pytest

from shared.broker import ResilientRedisBroker
from shared.infra.embeddings import EmbeddingSettings
from shared.infra.fairness import current_lane, lane, set_job_interactive
from shared.infra.redis import RedisSettings, make_sync_redis
from shared.queue_classes import QUEUE_CLASSES, serves_a_waiting_person
from shared.settings import load
from tests.support import closed_url

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def test_a_person_waits_on_the_live_and_reply_classes_not_on_bulk_work():
    waited_on = {name for name, queues in QUEUE_CLASSES.items() if all(map(serves_a_waiting_person, queues))}
    assert waited_on == {"live", "reply"}
    assert not any(serves_a_waiting_person(q) for q in QUEUE_CLASSES["bulk"])
    assert not serves_a_waiting_person("probe")


def test_a_lane_follows_the_job_unless_the_caller_says():
    try:
        set_job_interactive(True)
        with lane("seller"):
            assert current_lane().interactive
        with lane("seller", interactive=False):
            assert not current_lane().interactive
        assert current_lane().interactive, "a job's calls outside any seller's lane are interactive too"
        set_job_interactive(False)
        with lane("seller"):
            assert not current_lane().interactive
        with lane("seller", interactive=True):  # an HTTP request with a person waiting
            assert current_lane().interactive
    finally:
        set_job_interactive(False)


@pytest.mark.parametrize("reachable", ["interactive", "background"])
async def test_live_and_reply_jobs_embed_on_the_interactive_server_bulk_jobs_on_the_background_one(tmp_path, reachable):
    configured = load(EmbeddingSettings)
    working = configured.interactive_base_url or configured.base_url
    # The server a job must NOT use is unreachable: a call routed there fails.
    urls = {"EMBEDDINGS_INTERACTIVE_BASE_URL": working if reachable == "interactive" else closed_url(),
            "EMBEDDINGS_BASE_URL": working if reachable == "background" else closed_url()}
    namespace, run, ready = f"bokai-msp-{uuid.uuid4().hex[:10]}", uuid.uuid4().hex, tmp_path / "ready"
    process = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "tests.worker.probe_actors", "--processes", "1",
         "--threads", "3", "--queues", "replies", "ai", "knowledge"],
        cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **urls, "EMBEDDINGS_MAX_RETRIES": "0", "EMBEDDINGS_TIMEOUT_SECONDS": "20",
             "WORKER_READY_FILE": str(ready), "REDIS_BROKER_NAMESPACE": namespace})
    broker = ResilientRedisBroker(client=make_sync_redis(load(RedisSettings)), namespace=namespace)
    try:
        deadline = time.monotonic() + 90
        while not ready.exists():
            assert process.poll() is None and time.monotonic() < deadline, "worker did not boot"
            await asyncio.sleep(0.2)
        seller = str(uuid.uuid4())
        for actor, queue in (("probe.embed_live", "replies"), ("probe.embed_reply", "ai"),
                             ("probe.embed_bulk", "knowledge")):
            broker.enqueue(dramatiq.Message(queue_name=queue, actor_name=actor, args=(seller, run), kwargs={},
                                            options={}))
        key = f"probe:embedded:{run}"
        while broker.client.llen(key) < 3 and time.monotonic() < deadline + 60:
            await asyncio.sleep(0.2)
        outcomes = dict(record.decode().split(":") for record in broker.client.lrange(key, 0, -1))
    finally:
        process.terminate()
        process.wait(timeout=60)
        broker.client.delete(f"probe:embedded:{run}", *broker.client.scan_iter(match=f"{namespace}:*"))
    on_interactive = {"live": "ok", "reply": "ok", "bulk": "APIConnectionError"}
    on_background = {"live": "APIConnectionError", "reply": "APIConnectionError", "bulk": "ok"}
    assert outcomes == (on_interactive if reachable == "interactive" else on_background)


async def test_a_reply_jobs_completion_waits_for_its_slot_as_patiently_as_any(monkeypatch):
    """Interactive by its class, a reply's LLM call still waits LLM_WAIT_SECONDS for its seller's slot
    (the interactive 5 s are for a person's search, not for the model's queue)."""
    from contextlib import AsyncExitStack

    from shared.infra.fairness import FairGate
    from shared.infra.llm import LlmSettings, make_llm_client
    from shared.infra.redis import make_redis
    from shared.tenancy.fairness import tenant_lane

    monkeypatch.setenv("LLM_CALLS_PER_LANE", "1")
    monkeypatch.setenv("LLM_WAIT_SECONDS", "12")
    monkeypatch.setenv("LLM_MAX_RETRIES", "0")
    settings = load(LlmSettings)
    client, redis, seller = make_llm_client(settings), make_redis(), str(uuid.uuid4())
    held = AsyncExitStack()
    try:
        with tenant_lane(seller):  # the seller's one slot is taken by its other reply
            await held.enter_async_context(FairGate(redis, "llm", per_lane=1, hold_seconds=30).slot())

        async def free_later() -> None:
            await asyncio.sleep(6.5)
            await held.aclose()

        freeing = asyncio.create_task(free_later())
        set_job_interactive(True)  # what ModelServerPriority sets for a reply-class job
        started = time.monotonic()
        with tenant_lane(seller):
            answer = await client.chat.completions.create(
                model=settings.model, max_tokens=3, messages=[{"role": "user", "content": "Powiedz: tak"}])
        assert answer.choices and time.monotonic() - started > 6
        await freeing
    finally:
        set_job_interactive(False)
        await held.aclose()
        await client.close()
        await redis.aclose()
