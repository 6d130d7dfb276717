"""The event webhook API through the gateway: admin-only endpoints, the secret shown once, URLs that
would reach our own network refused with 400, other sellers' endpoints and deliveries invisible."""

from __future__ import annotations

import uuid

import pytest

from functions.ai.handler import app as ai_app
from functions.auth.handler import app as auth_app
from shared.events.emit import stage_event
from shared.gateway.dispatcher import FunctionGateway
from shared.tenancy.db import tenant_tx
from tests.support import serve

PASSWORD = "Zielona-Herbata-42"
G = "/function/ai"
pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def world(db_pool):
    patch = pytest.MonkeyPatch()
    patch.delenv("EVENTS_WEBHOOK_ALLOW_PRIVATE_URLS", raising=False)  # production rules
    patch.setenv("EVENTS_WEBHOOK_MAX_ENDPOINTS", "3")
    async with serve(FunctionGateway({"auth": auth_app, "ai": ai_app}), timeout=60) as gateway:
        a, tenant_a = await sign_up(gateway, "Zdarzenia A")
        b, _ = await sign_up(gateway, "Zdarzenia B")
        yield gateway, (a, tenant_a), b
    patch.undo()


async def sign_up(gateway, company: str) -> tuple[dict[str, str], uuid.UUID]:
    response = await gateway.post("/function/auth/register", json={
        "email": f"ev-{uuid.uuid4().hex[:10]}@example.pl", "password": PASSWORD, "companyName": company})
    assert response.status_code == 201, response.text
    body = response.json()
    return {"Authorization": f"Bearer {body['accessToken']}"}, uuid.UUID(body["tenant"]["id"])


async def test_create_shows_the_secret_once_then_read_change_delete(world):
    gateway, (a, _), _ = world
    created = await gateway.post(f"{G}/event-webhooks", headers=a, json={
        "url": "https://hooks.sklep-lodz.pl/bokai", "eventTypes": ["reply.sent", "conversation.needs_human",
                                                                  "reply.sent"], "description": "backend"})
    assert created.status_code == 201, created.text
    body = created.json()
    secret, endpoint = body["signingSecret"], body["endpoint"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert endpoint | {"id": None, "createdAt": None, "updatedAt": None} == {
        "id": None, "url": "https://hooks.sklep-lodz.pl/bokai", "description": "backend",
        "eventTypes": ["conversation.needs_human", "reply.sent"], "enabled": True, "state": "active",
        "failingSince": None, "createdAt": None, "updatedAt": None}

    listed = await gateway.get(f"{G}/event-webhooks", headers=a)
    read = await gateway.get(f"{G}/event-webhooks/{endpoint['id']}", headers=a)
    assert listed.status_code == read.status_code == 200
    assert secret not in listed.text and secret not in read.text
    assert [e["id"] for e in listed.json()["items"]] == [endpoint["id"]]

    changed = await gateway.patch(f"{G}/event-webhooks/{endpoint['id']}", headers=a,
                                  json={"enabled": False, "eventTypes": ["channel.broken"]})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["state"], changed.json()["eventTypes"]) == ("disabled", ["channel.broken"])
    assert changed.json()["url"] == "https://hooks.sklep-lodz.pl/bokai"

    assert (await gateway.delete(f"{G}/event-webhooks/{endpoint['id']}", headers=a)).status_code == 204
    assert (await gateway.get(f"{G}/event-webhooks/{endpoint['id']}", headers=a)).status_code == 404


@pytest.mark.parametrize("url", [
    "https://127.0.0.1/hook", "https://localhost/hook", "https://10.1.2.3/hook", "https://192.168.0.10/hook",
    "https://169.254.169.254/latest/meta-data", "https://[::1]/hook", "http://hooks.sklep-lodz.pl/bokai",
    "https://hooks.sklep-lodz.pl:22/bokai", "https://user:pass@hooks.sklep-lodz.pl/bokai", "ftp://sklep.pl/x",
    "https://hooks.sklep-lodz.pl:99999/x", "not a url"])
async def test_urls_reaching_private_networks_or_odd_ports_are_a_400(world, url):
    gateway, (a, _), _ = world
    response = await gateway.post(f"{G}/event-webhooks", headers=a, json={"url": url, "eventTypes": ["reply.sent"]})
    assert response.status_code == 400, response.text
    assert response.json()["errors"][0]["key"] == "url"
    endpoints = (await gateway.get(f"{G}/event-webhooks", headers=a)).json()["items"]
    assert url not in [e["url"] for e in endpoints]


@pytest.mark.parametrize("host", [".", "a..b", "x" * 64 + ".pl", "sklep_1.pl", "xn--zz.pl"])
async def test_hosts_that_are_not_idna_names_are_a_400_not_a_500(world, host):
    gateway, (a, _), _ = world
    url = f"https://{host}/bokai"
    created = await gateway.post(f"{G}/event-webhooks", headers=a, json={"url": url, "eventTypes": ["reply.sent"]})
    assert created.status_code == 400, created.text
    assert created.json()["errors"][0]["key"] == "url" and "not a valid host name" in created.json()["detail"]
    existing = (await gateway.post(f"{G}/event-webhooks", headers=a, json={
        "url": "https://hooks.sklep-lodz.pl/idna", "eventTypes": ["reply.sent"]})).json()["endpoint"]
    patched = await gateway.patch(f"{G}/event-webhooks/{existing['id']}", headers=a, json={"url": url})
    assert patched.status_code == 400 and patched.json()["errors"][0]["key"] == "url", patched.text
    await gateway.delete(f"{G}/event-webhooks/{existing['id']}", headers=a)


async def test_a_private_url_cannot_be_patched_in_either(world):
    gateway, (a, _), _ = world
    created = (await gateway.post(f"{G}/event-webhooks", headers=a, json={
        "url": "https://hooks.sklep-lodz.pl/patch", "eventTypes": ["reply.sent"]})).json()["endpoint"]
    response = await gateway.patch(f"{G}/event-webhooks/{created['id']}", headers=a, json={"url": "https://127.0.0.1/"})
    assert response.status_code == 400 and response.json()["errors"][0]["key"] == "url"
    assert (await gateway.get(f"{G}/event-webhooks/{created['id']}", headers=a)).json()["url"].endswith("/patch")
    await gateway.delete(f"{G}/event-webhooks/{created['id']}", headers=a)


@pytest.mark.parametrize("body", [
    {"url": "https://hooks.sklep-lodz.pl/x", "eventTypes": []},
    {"url": "https://hooks.sklep-lodz.pl/x", "eventTypes": ["order.created"]},
    {"url": "https://hooks.sklep-lodz.pl/x"},
    {"url": "https://hooks.sklep-lodz.pl/x", "eventTypes": ["reply.sent"], "secret": "mine"},
])
async def test_bad_bodies_are_a_400_naming_the_field(world, body):
    gateway, (a, _), _ = world
    response = await gateway.post(f"{G}/event-webhooks", headers=a, json=body)
    assert response.status_code == 400, response.text
    assert response.json()["detail"]


async def test_bad_log_filters_are_a_400(world):
    gateway, (a, _), _ = world
    for query in ("status=lost", "eventType=order.created", "limit=0", "limit=500", "endpointId=nope"):
        response = await gateway.get(f"{G}/event-deliveries?{query}", headers=a)
        assert response.status_code == 400, (query, response.text)


async def test_the_endpoint_limit_is_a_409(world):
    gateway, _, _ = world
    seller, _ = await sign_up(gateway, "Zdarzenia limit")
    answers = [(await gateway.post(f"{G}/event-webhooks", headers=seller, json={
        "url": f"https://hooks.sklep-lodz.pl/{i}", "eventTypes": ["reply.sent"]})).status_code for i in range(4)]
    assert answers == [201, 201, 201, 409]


async def test_another_seller_never_sees_or_changes_your_endpoints_or_log(world):
    gateway, (a, tenant_a), b = world
    created = (await gateway.post(f"{G}/event-webhooks", headers=a, json={
        "url": "https://hooks.sklep-lodz.pl/mine", "eventTypes": ["reply.sent"],
        "description": "A-only"})).json()["endpoint"]
    async with tenant_tx(tenant_a):
        await stage_event(tenant_a, "reply.sent", {"replyId": "r-a"})
    [delivery] = (await gateway.get(f"{G}/event-deliveries?endpointId={created['id']}", headers=a)).json()["items"]
    assert delivery["eventType"] == "reply.sent" and delivery["status"] == "pending"

    for method, path, body in [("GET", f"/event-webhooks/{created['id']}", None),
                               ("PATCH", f"/event-webhooks/{created['id']}", {"enabled": False}),
                               ("DELETE", f"/event-webhooks/{created['id']}", None),
                               ("POST", f"/event-deliveries/{delivery['id']}/redeliver", None)]:
        response = await gateway.request(method, G + path, headers=b, json=body)
        assert response.status_code == 404, (method, path, response.text)
    for path in ("/event-webhooks", "/event-deliveries", f"/event-deliveries?endpointId={created['id']}"):
        response = await gateway.get(G + path, headers=b)
        assert response.status_code == 200 and response.json()["items"] == [], path
    after = (await gateway.get(f"{G}/event-webhooks/{created['id']}", headers=a)).json()
    assert (after["enabled"], after["description"]) == (True, "A-only")


async def test_a_member_without_admin_cannot_configure_or_read_them(world):
    gateway, (a, _), _ = world
    email = f"member-{uuid.uuid4().hex[:8]}@example.pl"
    invite = await gateway.post("/function/auth/members/invites", headers=a, json={"email": email, "role": "member"})
    assert invite.status_code == 201, invite.text
    joined = await gateway.post("/function/auth/invites/accept", json={"token": invite.json()["inviteToken"],
                                                                       "password": PASSWORD})
    assert joined.status_code == 200, joined.text
    member = {"Authorization": f"Bearer {joined.json()['accessToken']}"}
    created = await gateway.post(f"{G}/event-webhooks", headers=member, json={
        "url": "https://hooks.sklep-lodz.pl/member", "eventTypes": ["reply.sent"]})
    assert created.status_code == 403, created.text
    for path in ("/event-webhooks", "/event-deliveries"):
        assert (await gateway.get(G + path, headers=member)).status_code == 403, path
    assert "/member" not in (await gateway.get(f"{G}/event-webhooks", headers=a)).text


async def test_rotating_the_secret_shows_a_new_one_once(world):
    gateway, (a, _), b = world
    created = (await gateway.post(f"{G}/event-webhooks", headers=a, json={
        "url": "https://hooks.sklep-lodz.pl/rotate", "eventTypes": ["reply.sent"]})).json()
    rotated = await gateway.post(f"{G}/event-webhooks/{created['endpoint']['id']}/rotate-secret", headers=a)
    assert rotated.status_code == 200, rotated.text
    secret = rotated.json()["signingSecret"]
    assert secret.startswith("whsec_") and secret != created["signingSecret"]
    assert rotated.json()["endpoint"]["id"] == created["endpoint"]["id"]
    assert secret not in (await gateway.get(f"{G}/event-webhooks", headers=a)).text
    other = await gateway.post(f"{G}/event-webhooks/{created['endpoint']['id']}/rotate-secret", headers=b)
    assert other.status_code == 404
    await gateway.delete(f"{G}/event-webhooks/{created['endpoint']['id']}", headers=a)
