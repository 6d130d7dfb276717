"""The channels function through the gateway: connect Allegro/OLX/email/shop, list, disconnect, isolation."""

from __future__ import annotations

import uuid
from urllib.parse import parse_qs, urlparse

import msgspec
import pytest

from functions.auth.handler import app as auth_app
from functions.channels.handler import app as channels_app
from shared.channels.connection import load_connection
from shared.gateway.dispatcher import FunctionGateway
from shared.infra.redis import redis_client
from tests.support import serve

pytestmark = pytest.mark.integration
PASSWORD = "Zielona-Herbata-42"


@pytest.fixture
async def gateway():
    async with serve(FunctionGateway({"auth": auth_app, "channels": channels_app}), timeout=30) as client:
        yield client


async def sign_up(gateway, company: str) -> dict[str, str]:
    response = await gateway.post("/function/auth/register", json={
        "email": f"ch-{uuid.uuid4().hex[:10]}@example.pl", "password": PASSWORD, "companyName": company})
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['accessToken']}"}


async def skip_poll_wait(flow_id: str) -> str:
    """Clear the flow's next-poll time in Redis; returns the tenant id from the key's namespace."""
    [key] = await redis_client().keys(f"t:*:channels:allegro-device:{flow_id}")
    state = msgspec.json.decode(await redis_client().get(key))
    await redis_client().set(key, msgspec.json.encode({**state, "nextPollAt": 0}), ex=600)
    return key.decode().split(":")[1]


async def test_allegro_device_flow_connects_after_the_seller_approves(gateway, allegro):
    seller = await sign_up(gateway, "Sklep Allegro")
    started = await gateway.post("/function/channels/allegro/device", headers=seller)
    assert started.status_code == 201, started.text
    flow = started.json()
    assert flow["userCode"] and flow["verificationUrlComplete"].endswith(flow["userCode"])

    pending = (await gateway.post("/function/channels/allegro/device/poll", headers=seller,
                                  json={"flowId": flow["flowId"]})).json()
    assert pending["status"] == "pending" and pending["retryAfter"] >= 5
    # Polling again at once does not reach Allegro (its interval is honoured; no slow_down earned).
    again = (await gateway.post("/function/channels/allegro/device/poll", headers=seller,
                                json={"flowId": flow["flowId"]})).json()
    assert again["status"] == "pending" and allegro.requests_to("POST", "/auth/oauth/token") == 1

    allegro.approve_device(flow["userCode"])
    allegro.devices[next(iter(allegro.devices))]["last_poll"] = 0
    tenant_id = await skip_poll_wait(flow["flowId"])  # as if the seller took `interval` seconds to approve
    assert (await gateway.get("/function/channels/accounts", headers=seller)).json()["items"] == []

    done = (await gateway.post("/function/channels/allegro/device/poll", headers=seller,
                               json={"flowId": flow["flowId"]})).json()
    assert done["status"] == "connected", done
    account = done["account"]
    assert (account["platform"], account["externalAccountId"], account["status"]) == \
        ("allegro", allegro.seller_id, "connected")
    listed = (await gateway.get("/function/channels/accounts", headers=seller)).json()["items"]
    assert [a["id"] for a in listed] == [account["id"]] and "credentials" not in str(listed)
    stored = await load_connection(tenant_id, account["id"])
    assert stored.credentials["refreshToken"] in allegro.tokens.refresh


async def test_olx_connect_through_the_callback(gateway, olx):
    seller = await sign_up(gateway, "Sklep OLX")
    started = await gateway.post("/function/channels/olx/connect", headers=seller)
    authorize = urlparse(started.json()["authorizeUrl"])
    query = {k: v[0] for k, v in parse_qs(authorize.query).items()}
    assert query["response_type"] == "code" and query["client_id"] == olx.client[0]
    code = olx.user_approves(query["redirect_uri"])

    forged = await gateway.get("/function/channels/olx/callback",
                               params={"code": code, "state": query["state"].split(".")[0] + ".forged"})
    assert forged.status_code == 400
    done = await gateway.get("/function/channels/olx/callback", params={"code": code, "state": query["state"]})
    assert done.status_code == 200, done.text
    assert (done.json()["platform"], done.json()["externalAccountId"]) == ("olx", str(olx.user_id))
    replay = await gateway.get("/function/channels/olx/callback", params={"code": code, "state": query["state"]})
    assert replay.status_code == 400  # the state is single use


async def test_email_and_generic_accounts_secrets_are_shown_once(gateway):
    seller = await sign_up(gateway, "Sklep Mail")
    email = await gateway.post("/function/channels/email", headers=seller, json={
        "senderAddress": "Obsluga@Sklep.pl", "smtpHost": "smtp.sklep.pl", "smtpUser": "obsluga",
        "smtpPassword": "tajne-haslo"})
    assert email.status_code == 201, email.text
    assert email.json()["inboundToken"] and email.json()["account"]["externalAccountId"] == "obsluga@sklep.pl"
    duplicate = await gateway.post("/function/channels/email", headers=seller, json={
        "senderAddress": "obsluga@sklep.pl", "smtpHost": "smtp.sklep.pl", "smtpUser": "o", "smtpPassword": "x"})
    assert duplicate.status_code == 409
    shop = await gateway.post("/function/channels/generic", headers=seller,
                              json={"name": "Mój sklep", "callbackUrl": "https://sklep.pl/bokai"})
    assert shop.status_code == 201 and shop.json()["webhookSecret"].startswith("whsec_")
    listed = await gateway.get("/function/channels/accounts", headers=seller)
    assert "tajne-haslo" not in listed.text and shop.json()["webhookSecret"] not in listed.text
    assert sorted(a["platform"] for a in listed.json()["items"]) == ["email", "generic"]

    bad = [await gateway.post("/function/channels/email", headers=seller, json={"senderAddress": "nie-email"}),
           await gateway.post("/function/channels/generic", headers=seller,
                              json={"name": "x", "callbackUrl": "http://plain-http.pl"}),
           await gateway.post("/function/channels/allegro/device/poll", headers=seller, json={"flowId": "../x"})]
    assert [r.status_code for r in bad] == [400, 400, 400]
    assert (await gateway.post("/function/channels/allegro/device/poll", headers=seller,
                               json={"flowId": "unknown-flow-123"})).json()["status"] == "expired"


async def test_another_seller_sees_and_touches_nothing(gateway):
    owner, stranger = await sign_up(gateway, "Sklep A"), await sign_up(gateway, "Sklep B")
    shop = (await gateway.post("/function/channels/generic", headers=owner,
                               json={"name": "A", "callbackUrl": "https://a.pl/hook"})).json()["account"]
    assert (await gateway.get("/function/channels/accounts", headers=stranger)).json()["items"] == []
    assert (await gateway.delete(f"/function/channels/accounts/{shop['id']}", headers=stranger)).status_code == 404
    assert (await gateway.delete(f"/function/channels/accounts/{uuid.uuid4()}", headers=stranger)).status_code == 404
    assert (await gateway.get("/function/channels/accounts")).status_code == 401
    owners = (await gateway.get("/function/channels/accounts", headers=owner)).json()["items"]
    assert [(a["id"], a["status"]) for a in owners] == [(shop["id"], "connected")]

    assert (await gateway.delete(f"/function/channels/accounts/{shop['id']}", headers=owner)).status_code == 204
    owners = (await gateway.get("/function/channels/accounts", headers=owner)).json()["items"]
    assert owners[0]["status"] == "disconnected"


async def test_olx_callback_sends_the_seller_back_to_the_frontend_with_the_outcome(gateway, olx, monkeypatch):
    monkeypatch.setenv("CHANNELS_FRONTEND_URL", "https://app.bok-ai.test/settings/channels?tab=marketplaces")
    seller = await sign_up(gateway, "Sklep OLX Front")
    started = await gateway.post("/function/channels/olx/connect", headers=seller)
    query = {k: v[0] for k, v in parse_qs(urlparse(started.json()["authorizeUrl"]).query).items()}
    code = olx.user_approves(query["redirect_uri"])

    def outcome(response) -> dict[str, str]:
        assert response.status_code == 303, response.text
        location = urlparse(response.headers["location"])
        assert (location.scheme, location.netloc, location.path) == ("https", "app.bok-ai.test", "/settings/channels")
        return {k: v[0] for k, v in parse_qs(location.query).items()}

    denied = outcome(await gateway.get("/function/channels/olx/callback", params={"error": "access_denied"}))
    done = outcome(await gateway.get("/function/channels/olx/callback", params={"code": code, "state": query["state"]}))
    replay = outcome(await gateway.get("/function/channels/olx/callback", params={"code": code, "state": query["state"]}))
    assert denied == {"tab": "marketplaces", "channel": "olx", "status": "error", "reason": "denied"}
    assert replay == {"tab": "marketplaces", "channel": "olx", "status": "error", "reason": "expired"}
    assert done["status"] == "connected"
    listed = (await gateway.get("/function/channels/accounts", headers=seller)).json()["items"]
    assert [a["id"] for a in listed] == [done["accountId"]]
