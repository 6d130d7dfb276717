"""An unreachable LLM: the AI job tries again after a short delay before a person gets the message.

The LLM address points at a port where nothing listens (configuration, not a mock); the real
client fails to connect. The actor's own function runs here directly; what it schedules goes to the
test's Redis, where we read it back.
"""

from __future__ import annotations

import os
from uuid import UUID

import msgspec
import pytest

from shared.ai.actors import generate_reply
from shared.ai.scheduling import GENERATE_ACTOR
from shared.broker import broker
from tests.ai.test_agent import (conversation_of, customer_writes, replies_to, seller_with_policy,  # noqa: F401
                                 stores)

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
# The actor as written (dramatiq wraps it to run on the worker's event loop).
attempt = generate_reply.fn.__wrapped__


DELAY_QUEUE = f"{broker.namespace}:{GENERATE_ACTOR[0]}.DQ"


def _jobs(tenant_id) -> dict[bytes, dict]:
    stored = broker.client.hgetall(f"{DELAY_QUEUE}.msgs")
    jobs = {key: msgspec.json.decode(raw) for key, raw in stored.items()}
    return {key: j for key, j in jobs.items()
            if j["actor_name"] == GENERATE_ACTOR[1] and j["args"][0] == str(tenant_id)}


def delayed_generate_jobs(tenant_id) -> list[tuple[list, int]]:
    """(args, delay ms) of ai.generate_reply jobs waiting in the delay queue for this seller."""
    return [(j["args"], j["options"]["eta"] - j["message_timestamp"]) for j in _jobs(tenant_id).values()]


@pytest.fixture(autouse=True)
async def process_redis():
    """The process-wide Redis client a worker opens at boot (shared.worker.ProcessResources)."""
    from shared.infra.redis import close_redis, open_redis

    await open_redis()
    yield
    await close_redis()


@pytest.fixture
def drop_scheduled_jobs():
    tenants = []
    yield tenants.append
    for tenant_id in tenants:  # no worker of a later test should run these
        for key in _jobs(tenant_id):
            broker.client.lrem(DELAY_QUEUE, 0, key)
            broker.client.hdel(f"{DELAY_QUEUE}.msgs", key)


async def test_llm_down_is_retried_after_the_configured_delays_then_handed_off(stores, monkeypatch,  # noqa: F811
                                                                              drop_scheduled_jobs):
    seller, _ = await seller_with_policy(stores, "llm-retry")
    drop_scheduled_jobs(seller.tenant_id)
    monkeypatch.setenv("LLM_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("LLM_MAX_RETRIES", "0")
    monkeypatch.setenv("AI_LLM_RETRY_DELAYS_SECONDS", "20,40")
    message_id = await customer_writes(seller.tenant_id, "W ile dni mogę zwrócić towar?")
    tenant, message = str(seller.tenant_id), str(message_id)

    await attempt(tenant, message)  # the first attempt: not a handoff, the same job again in 20 s
    conversation = await conversation_of(seller.tenant_id, message_id)
    assert (conversation["status"], conversation["handoff_reason"]) == ("open", None)
    [(args, delay)] = delayed_generate_jobs(seller.tenant_id)
    assert args == [tenant, message, "1"] and 19_000 <= delay <= 21_000

    await attempt(tenant, message, "1")  # the second: 40 s later
    assert sorted((a[2], round(d / 1000)) for a, d in delayed_generate_jobs(seller.tenant_id)) == [("1", 20),
                                                                                                   ("2", 40)]
    assert (await conversation_of(seller.tenant_id, message_id))["handoff_reason"] is None

    await attempt(tenant, message, "2")  # the last: a person gets it, with the reason
    conversation = await conversation_of(seller.tenant_id, message_id)
    assert (conversation["status"], conversation["handoff_reason"]) == ("waiting_for_human", "llm_failed")
    assert len(delayed_generate_jobs(seller.tenant_id)) == 2, "no further attempt is scheduled"


def staged_generate_jobs(tenant_id) -> list[list]:
    """Args of ai.generate_reply jobs staged for this seller, in the order the workers will take them."""
    lane = f"{broker.namespace}:{GENERATE_ACTOR[0]}.fair:{tenant_id}"
    ids = broker.client.lrange(lane, 0, -1)
    data = broker.client.hmget(f"{broker.namespace}:{GENERATE_ACTOR[0]}.msgs", ids) if ids else []
    return [msgspec.json.decode(raw)["args"] for raw in data if raw]


@pytest.fixture
def drop_staged_jobs():
    tenants = []
    yield tenants.append
    for tenant_id in tenants:
        lane = f"{broker.namespace}:{GENERATE_ACTOR[0]}.fair:{tenant_id}"
        for key in broker.client.lrange(lane, 0, -1):
            broker.client.hdel(f"{broker.namespace}:{GENERATE_ACTOR[0]}.msgs", key)
        broker.client.delete(lane)


async def outage_catches(stores, monkeypatch, scripted_model, label: str) -> tuple:
    """A seller whose first two customer messages (two conversations) were caught by an LLM outage."""
    from tests.ai.test_agent import RETURNS_SENTENCE

    scripted_model.answer_json("zwrot", quotes=[RETURNS_SENTENCE],
                               answer="Towar można zwrócić bez podania przyczyny w ciągu 14 dni od otrzymania przesyłki.")
    seller, _ = await seller_with_policy(stores, label)
    tenant, reachable = str(seller.tenant_id), {p: os.environ[f"{p}BASE_URL"] for p in ("LLM_", "LLM_STRONG_")}
    for prefix in reachable:
        monkeypatch.setenv(f"{prefix}BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("AI_LLM_RETRY_DELAYS_SECONDS", "20,40")
    first = str(await customer_writes(seller.tenant_id, "W ile dni przysługuje zwrot towaru?", "thread-1"))
    second = str(await customer_writes(seller.tenant_id, "Czy zwrot towaru po 10 dniach jest możliwy?", "thread-2"))
    await attempt(tenant, first)  # each waits 20 s for its next attempt
    await attempt(tenant, second)
    assert len(delayed_generate_jobs(seller.tenant_id)) == 2
    for prefix, url in reachable.items():  # the LLM is back
        monkeypatch.setenv(f"{prefix}BASE_URL", url)
    return seller, tenant, first, second


async def test_after_an_llm_outage_the_messages_it_caught_go_first_oldest_first(  # noqa: F811
        stores, monkeypatch, scripted_model, drop_scheduled_jobs, drop_staged_jobs):
    seller, tenant, first, second = await outage_catches(stores, monkeypatch, scripted_model, "llm-order")
    drop_scheduled_jobs(seller.tenant_id)
    drop_staged_jobs(seller.tenant_id)
    later = str(await customer_writes(seller.tenant_id, "Jak długo trwa zwrot pieniędzy?", "thread-3"))
    await attempt(tenant, later)

    assert await replies_to(seller.tenant_id, UUID(later)) == [], "the later message did not jump the queue"
    assert staged_generate_jobs(seller.tenant_id) == [[tenant, first, "1", "released"],
                                                      [tenant, second, "1", "released"],
                                                      [tenant, later, "0", "released"]]
    # Released, the caught message is answered; its delayed attempt, when it fires, does nothing.
    await attempt(tenant, first, "1", "released")
    [reply] = await replies_to(seller.tenant_id, UUID(first))
    await attempt(tenant, first, "1")
    assert await replies_to(seller.tenant_id, UUID(first)) == [reply]


async def test_where_the_server_cannot_say_it_is_back_the_first_reply_written_releases_the_rest(  # noqa: F811
        stores, monkeypatch, scripted_model, drop_scheduled_jobs, drop_staged_jobs):
    seller, tenant, first, second = await outage_catches(stores, monkeypatch, scripted_model, "llm-order-busy")
    drop_scheduled_jobs(seller.tenant_id)
    drop_staged_jobs(seller.tenant_id)
    scripted_model.fail(r"/v1/models", 503, times=10)  # a busy single-slot server: its model list times out
    later = str(await customer_writes(seller.tenant_id, "Jak długo trwa zwrot pieniędzy?", "thread-3"))
    await attempt(tenant, later)

    assert len(await replies_to(seller.tenant_id, UUID(later))) == 1
    assert staged_generate_jobs(seller.tenant_id) == [[tenant, first, "1", "released"],
                                                      [tenant, second, "1", "released"]]
