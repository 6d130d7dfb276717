"""docs/events.md through the API: a failing endpoint still gets events, `"enabled": true` (and only
that) clears `failing`, and deleting an endpoint removes its delivery log but no other endpoint's."""

from __future__ import annotations

import uuid

import pytest

from functions.ai.handler import app as ai_app
from functions.auth.handler import app as auth_app
from shared.events.emit import stage_event
from shared.gateway.dispatcher import FunctionGateway
from shared.tenancy.db import tenant_tx, tx_connection
from tests.events.test_endpoints_api import sign_up
from tests.support import serve

G = "/function/ai"
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def gateway(db_pool):
    async with serve(FunctionGateway({"auth": auth_app, "ai": ai_app}), timeout=60) as client:
        yield client


async def endpoint(gateway, seller, path: str) -> str:
    created = await gateway.post(f"{G}/event-webhooks", headers=seller, json={
        "url": f"https://hooks.sklep-lodz.pl/{path}", "eventTypes": ["reply.sent", "channel.broken"]})
    assert created.status_code == 201, created.text
    return created.json()["endpoint"]["id"]


async def retries_ran_out(tenant_id: uuid.UUID, endpoint_id: str) -> None:
    """What shared.events.delivery does when a delivery used up its retries."""
    async with tenant_tx(tenant_id):
        await tx_connection().execute("UPDATE event_endpoints SET failing_since = now() - interval '2 hours' "
                                      "WHERE id = $1", uuid.UUID(endpoint_id))


async def log_of(gateway, seller, endpoint_id: str) -> list[dict]:
    response = await gateway.get(f"{G}/event-deliveries?endpointId={endpoint_id}&limit=200", headers=seller)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_failing_endpoint_still_gets_events_and_only_switching_it_on_clears_failing(gateway):
    seller, tenant_id = await sign_up(gateway, "Zdarzenia stan")
    endpoint_id = await endpoint(gateway, seller, "state")
    await retries_ran_out(tenant_id, endpoint_id)
    shown = (await gateway.get(f"{G}/event-webhooks/{endpoint_id}", headers=seller)).json()
    assert (shown["state"], shown["enabled"]) == ("failing", True) and shown["failingSince"]

    async with tenant_tx(tenant_id):
        assert len(await stage_event(tenant_id, "reply.sent", {"replyId": "r-1"})) == 1
    assert [d["status"] for d in await log_of(gateway, seller, endpoint_id)] == ["pending"]

    renamed = await gateway.patch(f"{G}/event-webhooks/{endpoint_id}", headers=seller,
                                  json={"description": "nowy opis", "eventTypes": ["reply.sent"]})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["state"], renamed.json()["failingSince"]) == ("failing", shown["failingSince"])

    switched_on = await gateway.patch(f"{G}/event-webhooks/{endpoint_id}", headers=seller, json={"enabled": True})
    assert switched_on.status_code == 200, switched_on.text
    assert (switched_on.json()["state"], switched_on.json()["failingSince"]) == ("active", None)
    assert (await gateway.get(f"{G}/event-webhooks/{endpoint_id}", headers=seller)).json()["state"] == "active"


async def test_deleting_an_endpoint_removes_its_log_and_keeps_the_others(gateway):
    seller, tenant_id = await sign_up(gateway, "Zdarzenia usun")
    gone, kept = await endpoint(gateway, seller, "gone"), await endpoint(gateway, seller, "kept")
    async with tenant_tx(tenant_id):
        for reply in ("r-1", "r-2"):
            await stage_event(tenant_id, "reply.sent", {"replyId": reply})
        await tx_connection().execute("UPDATE event_deliveries SET status = 'failed' WHERE endpoint_id = $1 AND "
                                      "data->>'replyId' = 'r-1'", uuid.UUID(gone))
    assert len(await log_of(gateway, seller, gone)) == len(await log_of(gateway, seller, kept)) == 2

    assert (await gateway.delete(f"{G}/event-webhooks/{gone}", headers=seller)).status_code == 204

    everything = (await gateway.get(f"{G}/event-deliveries?limit=200", headers=seller)).json()["items"]
    assert {d["endpointId"] for d in everything} == {kept} and len(everything) == 2
    async with tenant_tx(tenant_id):
        # Not merely hidden from the API: the rows are gone from the database.
        assert await tx_connection().fetchval("SELECT count(*) FROM event_deliveries WHERE endpoint_id = $1",
                                              uuid.UUID(gone)) == 0
