"""Sharing one model server between sellers: background calls of all sellers capped together and served
in arrival order, a person's call on its own embeddings server (shared/infra/fairness.py,
shared/infra/embeddings.py)."""

from __future__ import annotations

import asyncio
import socket
import uuid

import msgspec
import pytest
from openai import APIConnectionError

from shared.infra.embeddings import Embedder, EmbeddingSettings
from shared.infra.redis import make_redis
from shared.settings import load
from shared.infra.fairness import FairGate, ModelServerBusy
from shared.tenancy.fairness import tenant_lane

pytestmark = pytest.mark.integration


@pytest.fixture
async def redis():
    client = make_redis()
    yield client
    await client.aclose()


def _gate(redis, *, per_lane: int = 2, wait_seconds: float = 0.3) -> FairGate:
    # Its own server name per test: slots of parallel runs never meet.
    return FairGate(redis, f"test-{uuid.uuid4().hex[:8]}", per_lane=per_lane, background_total=1,
                    wait_seconds=wait_seconds, interactive_wait_seconds=0.3, hold_seconds=10)


async def test_background_calls_of_all_sellers_share_the_cap_and_a_person_does_not_count(redis):
    gate = _gate(redis)
    with tenant_lane(uuid.uuid4()):
        async with gate.slot():
            with tenant_lane(uuid.uuid4()), pytest.raises(ModelServerBusy):  # another seller's lane is free
                async with gate.slot():
                    pass
            with tenant_lane(uuid.uuid4(), interactive=True):
                async with gate.slot():
                    pass
    with tenant_lane(uuid.uuid4()):
        async with gate.slot():  # freed again
            pass


async def test_a_call_waiting_for_the_shared_slot_leaves_its_lane_slot_free(redis):
    gate = _gate(redis, per_lane=1, wait_seconds=5)
    holder, waiter = uuid.uuid4(), uuid.uuid4()
    release = asyncio.Event()

    async def hold() -> None:
        with tenant_lane(holder):
            async with gate.slot():
                await release.wait()

    async def wait() -> None:
        with tenant_lane(waiter):
            async with gate.slot():
                pass

    holding = asyncio.create_task(hold())
    await asyncio.sleep(0.1)
    waiting = asyncio.create_task(wait())
    await asyncio.sleep(0.3)
    assert not waiting.done()
    assert not await redis.keys(f"t:{waiter}:fair:{gate._server}:slot:*")
    release.set()
    await asyncio.wait_for(asyncio.gather(holding, waiting), timeout=5)


async def test_a_freed_slot_goes_to_the_seller_waiting_longest_not_to_the_next_batch_of_the_holder(redis):
    gate = _gate(redis, wait_seconds=10)
    order: list[str] = []
    second_seller_waits = asyncio.Event()

    async def document_in_batches(seller: uuid.UUID) -> None:
        # Batch after batch with nothing in between, as ingestion of a long document does.
        with tenant_lane(seller):
            for _ in range(3):
                async with gate.slot():
                    order.append("A")
                    second_seller_waits.set()
                    await asyncio.sleep(0.2)

    async def one_message(seller: uuid.UUID) -> None:
        await second_seller_waits.wait()
        with tenant_lane(seller):
            async with gate.slot():
                order.append("B")

    await asyncio.wait_for(asyncio.gather(document_in_batches(uuid.uuid4()), one_message(uuid.uuid4())), 10)
    assert order == ["A", "B", "A", "A"]


async def test_a_waiter_that_crashed_does_not_hold_up_the_queue(redis):
    gate = _gate(redis)
    # A ticket queued long ago by a process that died: it never beats its heartbeat again.
    await redis.zadd(f"fair:{gate._server}:background:queue", {"crashed-worker": 0})
    with tenant_lane(uuid.uuid4()):
        async with gate.slot():
            pass
    assert await redis.zrange(f"fair:{gate._server}:background:queue", 0, -1) == []


def _closed_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"  # nothing listens there any more


@pytest.mark.parametrize("person_waiting", [True, False])
async def test_a_person_waiting_is_embedded_on_the_interactive_server_background_work_on_the_other(
        person_waiting):
    configured = load(EmbeddingSettings)
    working = configured.interactive_base_url or configured.base_url
    # The server the call must NOT use is unreachable: a call routed there fails.
    settings = msgspec.structs.replace(
        configured, max_retries=0, timeout_seconds=10,
        interactive_base_url=working if person_waiting else _closed_url(),
        base_url=_closed_url() if person_waiting else working)
    embedder = Embedder(settings)
    try:
        with tenant_lane(uuid.uuid4(), interactive=person_waiting):
            [vector] = await embedder.embed_queries(["Czy mogę zwrócić towar?"])
        assert len(vector) == settings.dimensions
        with tenant_lane(uuid.uuid4(), interactive=not person_waiting), pytest.raises(APIConnectionError):
            await embedder.embed_queries(["Czy mogę zwrócić towar?"])
    finally:
        await embedder.close()
