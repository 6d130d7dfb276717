"""Events are staged in the transaction of the change they report: committed with it, rolled back with it,
and only for endpoints that are enabled and subscribed to the type."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.conversations import replies
from shared.conversations.errors import ReplyAlreadyExists
from shared.events import service
from shared.events.emit import stage_event
from shared.events.schemas import EndpointPatch
from shared.outbox.tables import OutboxJob
from shared.tenancy.db import tenant_tx, tx_connection
from tests.conversations.support import customer_writes
from tests.events.support import LOCAL, add_endpoint, deliveries, fresh_seller

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


@pytest.fixture(autouse=True)
def local_urls(monkeypatch):
    for name, value in LOCAL.items():
        monkeypatch.setenv(name, value)


async def outbox_jobs(tenant_id) -> list[dict]:
    async with tenant_tx(tenant_id):
        return await OutboxJob.select().where(OutboxJob.actor_name == "events.deliver")


async def test_a_rolled_back_change_leaves_no_event():
    seller = await fresh_seller("ev-rollback")
    await add_endpoint(seller.tenant_id, "http://127.0.0.1:9/hook")

    with pytest.raises(RuntimeError):
        async with tenant_tx(seller.tenant_id):
            assert len(await stage_event(seller.tenant_id, "reply.sent", {"replyId": "r-1"})) == 1
            raise RuntimeError("the change failed after staging")

    assert await deliveries(seller.tenant_id) == [] and await outbox_jobs(seller.tenant_id) == []


async def test_a_refused_second_reply_stages_no_drafted_event():
    seller = await fresh_seller("ev-dup")
    await add_endpoint(seller.tenant_id, "http://127.0.0.1:9/hook", ["reply.drafted"])
    _, message_id = await customer_writes(seller.tenant_id, None, "Czy jest rozmiar 42?")

    draft = await replies.create_ai_reply(seller.tenant_id, message_id, "Tak, jest.")
    with pytest.raises(ReplyAlreadyExists):
        await replies.create_ai_reply(seller.tenant_id, message_id, "Tak, jest (drugi raz).")

    [logged] = await deliveries(seller.tenant_id)
    assert (logged.event_type, logged.status, logged.attempts) == ("reply.drafted", "pending", 0)
    [job] = await outbox_jobs(seller.tenant_id)
    assert json.loads(job["args"]) == [str(seller.tenant_id), str(logged.id)]
    assert draft.id is not None


async def test_only_enabled_endpoints_subscribed_to_the_type_get_a_delivery():
    seller = await fresh_seller("ev-subs")
    wants_sent, _ = await add_endpoint(seller.tenant_id, "http://127.0.0.1:9/a", ["reply.sent", "reply.failed"])
    wants_drafts, _ = await add_endpoint(seller.tenant_id, "http://127.0.0.1:9/b", ["reply.drafted"])
    switched_off, _ = await add_endpoint(seller.tenant_id, "http://127.0.0.1:9/c", ["reply.sent"])
    await service.change_endpoint(seller.tenant_id, switched_off, EndpointPatch(enabled=False))

    async with tenant_tx(seller.tenant_id):
        await stage_event(seller.tenant_id, "reply.sent", {"replyId": "r-1"})
        await stage_event(seller.tenant_id, "channel.broken", {"channelAccountId": "a-1"})

    logged = await deliveries(seller.tenant_id)
    assert [(d.endpoint_id, d.event_type) for d in logged] == [(wants_sent, "reply.sent")]
    assert wants_drafts not in {d.endpoint_id for d in logged}


async def test_the_same_event_id_staged_twice_is_one_delivery_per_endpoint():
    seller = await fresh_seller("ev-once")
    await add_endpoint(seller.tenant_id, "http://127.0.0.1:9/a")
    event_id = uuid.uuid4()
    for _ in range(2):  # a repeated job (the outbox relay and the first enqueue both went out)
        async with tenant_tx(seller.tenant_id):
            await stage_event(seller.tenant_id, "channel.broken", {"channelAccountId": "a-1"}, event_id=event_id)

    [logged] = await deliveries(seller.tenant_id)
    assert logged.event_id == event_id and len(await outbox_jobs(seller.tenant_id)) == 1


async def test_a_seller_without_endpoints_stages_nothing():
    seller = await fresh_seller("ev-none")
    async with tenant_tx(seller.tenant_id):
        assert await stage_event(seller.tenant_id, "reply.sent", {"replyId": "r-1"}) == []
    assert await outbox_jobs(seller.tenant_id) == []


async def test_an_event_the_database_refuses_never_fails_the_change_that_emits_it(caplog):
    seller = await fresh_seller("ev-savepoint")
    await add_endpoint(seller.tenant_id, "http://127.0.0.1:9/a")
    async with tenant_tx(seller.tenant_id):
        await tx_connection().execute("UPDATE ai_configs SET max_tokens = 123")  # the caller's change
        # jsonb refuses a NUL character: a real database error inside the event's savepoint.
        assert await stage_event(seller.tenant_id, "reply.sent", {"replyId": "r-\x00"}) == []
        await tx_connection().execute("UPDATE ai_configs SET temperature = 0.5")  # the transaction goes on

    async with tenant_tx(seller.tenant_id):
        row = await tx_connection().fetchrow("SELECT max_tokens, temperature FROM ai_configs")
    assert (row["max_tokens"], float(row["temperature"])) == (123, 0.5)
    assert await deliveries(seller.tenant_id) == [] and await outbox_jobs(seller.tenant_id) == []
    assert "event reply.sent" in caplog.text and "not staged" in caplog.text
