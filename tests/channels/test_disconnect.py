"""docs/marketplaces.md, `DELETE /accounts/{id}`: "disconnects: credentials wiped, history kept". A
disconnected channel's secret must be gone from the database (not merely unused), and the seller must
still read every conversation and reply the channel carried."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest

from functions.auth.handler import app as auth_app
from functions.channels.handler import app as channels_app
from functions.conversations.handler import app as conversations_app
from functions.webhooks.handler import app as webhooks_app
from shared.channels.tables import ChannelAccount
from shared.conversations import replies
from shared.gateway.dispatcher import FunctionGateway
from shared.tenancy.db import tenant_tx
from tests.channels.marketplace_support import G, customer_messages, process_inbox, sign_up
from tests.support import post_signed, serve

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def gateway(db_pool):
    apps = {"auth": auth_app, "channels": channels_app, "conversations": conversations_app,
            "webhooks": webhooks_app}
    async with serve(FunctionGateway(apps), timeout=30) as client:
        yield client


async def credentials_of(tenant_id: uuid.UUID, account_id: str):
    async with tenant_tx(tenant_id):
        row = await ChannelAccount.select(ChannelAccount.credentials_encrypted).where(
            ChannelAccount.id == uuid.UUID(account_id)).first()
    return row["credentials_encrypted"]


async def test_disconnecting_wipes_the_credentials_and_keeps_the_conversations(gateway, monkeypatch):
    monkeypatch.setenv("GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS", "true")
    tenant_id, seller = await sign_up(gateway, "Sklep Odlaczony")
    shop = await gateway.post(f"{G}/channels/generic", headers=seller,
                              json={"name": "Sklep www", "callbackUrl": "https://127.0.0.1:9/bokai"})
    assert shop.status_code == 201, shop.text
    account_id, secret = shop.json()["account"]["id"], shop.json()["webhookSecret"]
    inbound = shop.json()["inboundUrl"].split("/function", 1)[1]
    body = json.dumps({"messageId": "m-1", "conversationId": "watek-7", "text": "Czy jest rozmiar M?",
                       "sentAt": datetime.now(timezone.utc).isoformat(), "customer": {"name": "Anna"}}).encode()
    assert (await post_signed(gateway, f"{G}{inbound}", body, secret)).status_code == 202
    assert await process_inbox(tenant_id) == ["processed"]
    [question] = await customer_messages(tenant_id)
    await replies.create_ai_reply(tenant_id, question["id"], "Tak, rozmiar M jest dostępny.")
    assert await credentials_of(tenant_id, account_id)

    assert (await gateway.delete(f"{G}/channels/accounts/{account_id}", headers=seller)).status_code == 204

    assert await credentials_of(tenant_id, account_id) is None
    listed = await gateway.get(f"{G}/conversations/conversations?platformConversationId=watek-7", headers=seller)
    assert listed.status_code == 200, listed.text
    [conversation] = listed.json()["items"]
    shown = await gateway.get(f"{G}/conversations/conversations/{conversation['id']}", headers=seller)
    assert shown.status_code == 200, shown.text
    texts = [m["content"] for m in shown.json()["messages"]["items"]]
    assert texts == ["Czy jest rozmiar M?", "Tak, rozmiar M jest dostępny."], shown.json()["messages"]
    # The shop's old secret opens nothing any more.
    again = json.dumps({"messageId": "m-2", "conversationId": "watek-7", "text": "Halo?",
                        "sentAt": datetime.now(timezone.utc).isoformat()}).encode()
    refused = await post_signed(gateway, f"{G}{inbound}", again, secret)
    assert refused.status_code == 404, refused.text
