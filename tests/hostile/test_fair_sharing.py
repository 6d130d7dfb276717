"""Fair sharing of the embedding server: bounded texts, per-seller slots, interactive calls first,
fast failure instead of endless queueing, and a 503 (not a 500) when the server is too slow."""

from __future__ import annotations

import asyncio
import uuid
from contextlib import AsyncExitStack

import pytest
from openai import APITimeoutError, AsyncOpenAI

from functions.kb import handler as kb
from shared.http.app import make_function_app
from shared.infra.embeddings import Embedder, batches_within
from shared.infra.llm import LlmSettings, make_llm_client
from shared.infra.postgres import close_pool, open_pool
from shared.infra.redis import close_redis, make_redis, open_redis
from shared.infra.fairness import FairGate, ModelServerBusy, lane
from shared.tenancy.fairness import tenant_lane
from shared.settings import load
from tests.support import serve

pytestmark = pytest.mark.integration


@pytest.fixture
async def redis():
    client = make_redis()
    yield client
    await client.aclose()


@pytest.fixture
def gate(redis):
    # Its own server name per test: slots of parallel runs never meet.
    return FairGate(redis, f"test-{uuid.uuid4().hex[:8]}", per_lane=1, wait_seconds=0.3,
                    interactive_wait_seconds=0.3, hold_seconds=10)


async def test_one_seller_cannot_take_more_than_its_slots(gate):
    seller, other = uuid.uuid4(), uuid.uuid4()
    with tenant_lane(seller):
        async with gate.slot():
            with pytest.raises(ModelServerBusy):
                async with gate.slot():
                    pass
            # Another seller is not queued behind the first one's work.
            with tenant_lane(other):
                async with gate.slot():
                    pass
        async with gate.slot():  # freed again
            pass


async def test_background_work_waits_while_a_person_waits(gate):
    entered = asyncio.Event()
    release = asyncio.Event()

    async def interactive_call():
        with tenant_lane(uuid.uuid4(), interactive=True):
            async with gate.slot():
                entered.set()
                await release.wait()

    task = asyncio.create_task(interactive_call())
    await entered.wait()
    with pytest.raises(ModelServerBusy):  # its own lane is free, but a person is being served
        async with gate.slot():
            pass
    release.set()
    await task
    async with gate.slot():
        pass


def test_texts_are_grouped_within_the_character_budget():
    assert batches_within(["a" * 3, "b" * 3, "c" * 5, "d" * 20, "e"], 8) == [
        ["a" * 3, "b" * 3], ["c" * 5], ["d" * 20], ["e"]]


async def test_a_twenty_thousand_character_query_is_embedded_as_its_newest_characters(db_pool):
    embedder = Embedder()
    raw = AsyncOpenAI(base_url=embedder.settings.base_url, api_key="x", timeout=60)
    try:
        tail = " Czy mogę zwrócić uszkodzony czajnik?"
        long_text = ("Opowiadam długą historię zamówienia. " * 600)[: 20_000 - len(tail)] + tail
        [bounded] = await embedder.embed_queries([long_text])
        expected = (await raw.embeddings.create(model=embedder.settings.query_model,
                                                 input=[long_text[-embedder.settings.max_query_chars:]])).data[0].embedding
        assert bounded == pytest.approx(expected, abs=1e-6)
    finally:
        await embedder.close()
        await raw.close()


async def test_curated_answer_is_a_503_not_a_500_when_embeddings_time_out(monkeypatch, gateway, seller):
    # A real embedding server, a timeout it cannot meet: what a seller sees while the server is swamped.
    monkeypatch.setenv("EMBEDDINGS_TIMEOUT_SECONDS", "0.001")
    monkeypatch.setenv("EMBEDDINGS_MAX_RETRIES", "0")
    slow_kb = make_function_app("kb", [kb.create_answer, kb.search],
                                description="kb with an impatient embedder",
                                on_startup=[open_pool, open_redis, kb._open_stores],
                                on_shutdown=[kb._close_stores, close_redis, close_pool])
    async with serve(slow_kb, timeout=30) as client:
        answer = await client.post("/answers", headers=seller.headers,
                                   json={"question": "Czy wysyłacie za granicę?", "answer": "Tak, do całej UE."})
        search = await client.post("/search", headers=seller.headers, json={"query": "zwrot towaru", "k": 3})
    for response in (answer, search):
        assert response.status_code == 503, response.text
        assert response.headers["retry-after"] and "try again" in response.json()["detail"]


async def test_llm_calls_take_a_slot_of_the_sellers_lane_found_by_cache_salt(monkeypatch, redis):
    # The reply agent passes no tenant to the client, only each seller's cache_salt: that is the lane.
    monkeypatch.setenv("LLM_CALLS_PER_LANE", "1")
    monkeypatch.setenv("LLM_WAIT_SECONDS", "0.3")
    monkeypatch.setenv("LLM_MAX_RETRIES", "0")
    settings = load(LlmSettings)
    client = make_llm_client(settings)
    busy_salt, other_salt = uuid.uuid4().hex, uuid.uuid4().hex
    holder = FairGate(redis, "llm", per_lane=1, hold_seconds=30)

    async def complete(salt: str):
        return await client.chat.completions.create(
            model=settings.model, max_tokens=3, extra_body={"cache_salt": salt},
            messages=[{"role": "user", "content": "Powiedz: tak"}])

    held = AsyncExitStack()
    try:
        with lane(f"salt-{busy_salt}"):  # that seller already has its one call at the server
            await held.enter_async_context(holder.slot())
        with pytest.raises(APITimeoutError) as refused:  # what callers already handle
            await complete(busy_salt)
        assert isinstance(refused.value.__cause__.__cause__, ModelServerBusy)
        assert (await complete(other_salt)).choices  # another seller is not queued behind it
        await held.aclose()
        assert (await complete(busy_salt)).choices
    finally:
        await held.aclose()
        await client.close()
