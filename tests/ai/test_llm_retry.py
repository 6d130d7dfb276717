"""An unreachable LLM: the AI job tries again after a short delay before a person gets the message.

The LLM address points at a port where nothing listens (configuration, not a mock); the real
client fails to connect. The actor's own function runs here directly; what it schedules goes to the
test's Redis, where we read it back.
"""

from __future__ import annotations

import msgspec
import pytest

from shared.ai.actors import generate_reply
from shared.ai.scheduling import GENERATE_ACTOR
from shared.broker import broker
from tests.ai.test_agent import conversation_of, customer_writes, seller_with_policy, stores  # noqa: F401

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
