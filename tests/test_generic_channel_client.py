"""A shop's client written from the OpenAPI alone (issue 23): the channel's answer gives the inbound URL,
a signed message's 202 names the stored event, the conversation is found by the shop's own id, and it
shows when and why it was handed to a person and how its last reply's delivery went."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest

from functions.auth.handler import app as auth_app
from functions.channels.handler import app as channels_app
from functions.conversations.handler import app as conversations_app
from functions.webhooks.handler import app as webhooks_app
from shared.conversations import replies
from shared.conversations.delivery import deliver
from shared.conversations.handoff import leave_for_human
from shared.gateway.dispatcher import FunctionGateway
from shared.http.signatures import signed_headers
from shared.inbox.processing import process_event
from tests.fakes.generic_receiver import GenericReceiver
from tests.support import post_signed, serve

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
G = "/function"


@pytest.fixture
async def gateway():
    apps = {"auth": auth_app, "channels": channels_app, "conversations": conversations_app, "webhooks": webhooks_app}
    async with serve(FunctionGateway(apps), timeout=30) as client:
        yield client


@pytest.fixture
async def shop():
    """The seller's shop: answers reply callbacks 403 (a receiver that refuses them)."""
    receiver = GenericReceiver(b"set once the channel exists")
    async with serve(receiver) as client:
        receiver.url = f"{client.base_url}/bokai/replies"
        receiver.respond_with(403)
        yield receiver


async def signed_up(gateway) -> dict[str, str]:
    answer = await gateway.post(f"{G}/auth/register", json={
        "email": f"shop-{uuid.uuid4().hex[:10]}@example.pl", "password": "Zielona-Herbata-42",
        "companyName": "Sklep Z Dokumentacji"})
    assert answer.status_code == 201, answer.text
    return {"Authorization": f"Bearer {answer.json()['accessToken']}"}


async def test_a_client_from_the_openapi_connects_sends_and_follows_its_conversation(gateway, shop, monkeypatch):
    monkeypatch.setenv("GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS", "true")  # the shop listens on loopback
    seller = await signed_up(gateway)
    created = await gateway.post(f"{G}/channels/generic", headers=seller,
                                 json={"name": "Mój sklep", "callbackUrl": shop.url})
    assert created.status_code == 201, created.text
    channel = created.json()
    shop.secret = channel["webhookSecret"].encode()
    account_id = channel["account"]["id"]
    inbound_path = urlsplit(channel["inboundUrl"]).path
    assert inbound_path.startswith(f"{G}/webhooks/channels/") and inbound_path.endswith(f"/{account_id}/messages")
    tenant_id = uuid.UUID(inbound_path.split("/")[4])

    thread = f"chat-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"messageId": "m-1", "conversationId": thread, "text": "Reklamacja: pękł kubek.",
                       "sentAt": datetime.now(timezone.utc).isoformat(), "customer": {"name": "Ola"}}).encode()
    accepted = await post_signed(gateway, inbound_path, body, channel["webhookSecret"])
    assert accepted.status_code == 202, accepted.text
    event_id = accepted.json()["eventId"]
    assert uuid.UUID(event_id) and accepted.json()["duplicate"] is False
    # A shop's retry is signed anew (an identical signature is a replay, 409).
    again = await gateway.post(inbound_path, content=body, headers={
        "content-type": "application/json", **signed_headers(channel["webhookSecret"], body, now=time.time() - 60)})
    assert again.status_code == 202 and again.json() == {**accepted.json(), "duplicate": True}, again.text

    assert await process_event(str(tenant_id), event_id) == "processed"
    found = (await gateway.get(f"{G}/conversations/conversations", headers=seller,
                               params={"platformConversationId": thread})).json()["items"]
    assert [c["platformConversationId"] for c in found] == [thread]
    assert found[0]["handoffAt"] is None and found[0]["lastDelivery"] is None
    other = (await gateway.get(f"{G}/conversations/conversations", headers=seller,
                               params={"platformConversationId": "chat-nobody"})).json()["items"]
    assert other == []
    conversation_id = found[0]["id"]
    detail = (await gateway.get(f"{G}/conversations/conversations/{conversation_id}", headers=seller)).json()
    [message] = detail["messages"]["items"]

    before = datetime.now(timezone.utc) - timedelta(seconds=5)
    assert await leave_for_human(tenant_id, message["id"], "complaint")
    handed = (await gateway.get(f"{G}/conversations/conversations/{conversation_id}", headers=seller)).json()
    assert handed["conversation"]["handoffReason"] == "complaint"
    assert datetime.fromisoformat(handed["conversation"]["handoffAt"]) >= before

    reply = await replies.create_ai_reply(tenant_id, uuid.UUID(message["id"]), "Przepraszamy, wyślemy nowy.",
                                          approved=True)
    await deliver(tenant_id, reply.id)
    view = (await gateway.get(f"{G}/conversations/conversations", headers=seller,
                              params={"platformConversationId": thread})).json()["items"][0]
    assert view["lastDelivery"]["messageId"] == str(reply.id)
    assert view["lastDelivery"]["status"] == "failed" and "403" in view["lastDelivery"]["error"]


async def test_bad_filters_are_a_clear_400(gateway):
    seller = await signed_up(gateway)
    answer = await gateway.get(f"{G}/conversations/conversations", headers=seller,
                               params={"platformConversationId": "x" * 256})
    assert answer.status_code == 400 and "platformConversationId" in answer.text
