"""The delivery probe of a shop channel can be switched on through the API (``deliveryProbe: true``
when the channel is created): an interrupted delivery is then looked up at the receiver. Before, the
field was refused (400 unknown field), so only a row written by hand could use the probe."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timezone

import pytest

from functions.auth.handler import app as auth_app
from functions.channels.handler import app as channels_app
from shared.channels.generic.sender import GenericSender
from shared.channels.senders import DeliveryUnknown, OutboundReply
from shared.gateway.dispatcher import FunctionGateway
from shared.tenancy.db import tenant_tx, tx_connection
from tests.fakes.generic_receiver import GenericReceiver
from tests.support import serve

pytestmark = pytest.mark.integration
G = "/function"


async def signed_up(gateway) -> tuple[dict[str, str], uuid.UUID]:
    response = await gateway.post(f"{G}/auth/register", json={
        "email": f"probe-{uuid.uuid4().hex[:10]}@example.pl", "password": "Zielona-Herbata-42",
        "companyName": "Sklep z sondą"})
    assert response.status_code == 201, response.text
    token = response.json()["accessToken"]
    claims = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    return {"Authorization": f"Bearer {token}"}, uuid.UUID(claims["tid"])


def reply_through(tenant_id: uuid.UUID, account_id: uuid.UUID, key: str) -> OutboundReply:
    return OutboundReply(tenant_id=tenant_id, message_id=uuid.uuid4(), conversation_id=uuid.uuid4(),
                         channel_account_id=account_id, platform="generic", platform_conversation_id="c-1",
                         text="Paczka wyszła wczoraj.", idempotency_key=key, claimed_at=datetime.now(timezone.utc))


async def test_a_channel_created_with_the_probe_has_interrupted_deliveries_looked_up(db_pool, monkeypatch):
    monkeypatch.setenv("GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS", "true")  # the receiver is on loopback
    async with serve(FunctionGateway({"auth": auth_app, "channels": channels_app}), timeout=30) as gateway:
        seller, tenant_id = await signed_up(gateway)
        with_probe = await gateway.post(f"{G}/channels/generic", headers=seller, json={
            "name": "Sklep", "callbackUrl": "https://sklep.pl/bokai", "deliveryProbe": True})
        without = await gateway.post(f"{G}/channels/generic", headers=seller, json={
            "name": "Sklep 2", "callbackUrl": "https://sklep.pl/bokai-2"})
        wrong_type = await gateway.post(f"{G}/channels/generic", headers=seller, json={
            "name": "Sklep 3", "callbackUrl": "https://sklep.pl/bokai-3", "deliveryProbe": "tak"})
    assert (with_probe.status_code, without.status_code) == (201, 201), with_probe.text
    assert wrong_type.status_code == 400 and "deliveryProbe" in wrong_type.text

    probing, plain = with_probe.json(), without.json()
    receiver = GenericReceiver(probing["webhookSecret"].encode())
    receiver.accepted["bokai-delivered"] = "shop-message-7"
    async with serve(receiver) as client:
        # The API takes https URLs only and the receiver is plain http on loopback: the stored URL is
        # pointed at it here.
        async with tenant_tx(tenant_id):
            await tx_connection().execute(
                "UPDATE channel_accounts SET settings = settings || jsonb_build_object('callbackUrl', $1::text)",
                f"{client.base_url}/hook")
        sender = GenericSender()
        probing_id, plain_id = uuid.UUID(probing["account"]["id"]), uuid.UUID(plain["account"]["id"])
        found = await sender.find_delivered(reply_through(tenant_id, probing_id, "bokai-delivered"))
        missing = await sender.find_delivered(reply_through(tenant_id, probing_id, "bokai-never-sent"))
        with pytest.raises(DeliveryUnknown, match="does not support the delivery probe"):
            await sender.find_delivered(reply_through(tenant_id, plain_id, "bokai-delivered"))
    assert found is not None and found.platform_message_id == "shop-message-7"
    assert missing is None
    assert [(c.method, c.idempotency_key, c.signature_valid) for c in receiver.calls] == [
        ("GET", "bokai-delivered", True), ("GET", "bokai-never-sent", True)]
