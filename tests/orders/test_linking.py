"""Every channel ties a conversation to an order only from the platform's own data, through real HTTP:
eMAG (an order eMAG confirmed is this seller's), Amazon relay mail, the generic webhook's orderId."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest

from shared.conversations.tables import Message
from shared.tenancy.db import tenant_tx
from tests.channels.marketplace_support import G, post_mail, process_inbox, raw_mail, sign_up, smtp_fields
from tests.channels.test_emag_channel import connect_emag
from tests.fakes.smtp_peer import running_smtp_peer
from tests.support import post_signed
from tests.webhooks.support import add_channel

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("loopback_smtp")]
EMAG_ORDER = 412300777
AMAZON_ORDER = "402-3948572-1129384"


async def customer_messages(tenant_id) -> list[dict]:
    async with tenant_tx(tenant_id):
        return await Message.select(Message.id, Message.conversation_id).where(
            Message.direction == "inbound").order_by(Message.created_at)


async def shown_order(gateway, headers, conversation_id) -> dict | None:
    detail = await gateway.get(f"{G}/conversations/conversations/{conversation_id}", headers=headers)
    assert detail.status_code == 200, detail.text
    return detail.json()["conversation"]["order"]


async def test_an_emag_conversation_shows_its_order_and_the_callback_refreshes_it(gateway, emag):
    emag.add_order(EMAG_ORDER, status=1, customer="Ion Popescu", products=(("MX-100", "Mixer Vortex 500W", 2),))
    tenant, seller = await sign_up(gateway, "Magazin Comenzi")
    with running_smtp_peer() as peer:
        mailbox = (await gateway.post(f"{G}/channels/email", headers=seller,
                                      json=smtp_fields(peer, "magazin@comenzi.ro"))).json()
        shop = (await connect_emag(gateway, seller, mailbox["account"]["id"])).json()
        await post_mail(gateway, tenant, mailbox["account"]["id"], mailbox["inboundToken"], raw_mail(
            "client@example.ro", "magazin@comenzi.ro", f"Comanda nr. {EMAG_ORDER}", "Când ajunge comanda?"))
        assert await process_inbox(tenant) == ["processed"]
    [message] = await customer_messages(tenant)
    order = await shown_order(gateway, seller, message["conversation_id"])
    assert (order["platform"], order["orderId"]) == ("emag", str(EMAG_ORDER))
    assert order["snapshot"]["status"] == "new" and order["fetchedAt"]
    assert order["snapshot"]["items"] == [{"name": "Mixer Vortex 500W", "quantity": 2.0}]
    assert "Ion Popescu" not in json.dumps(order)  # the buyer's name is on the message, not in the order

    emag.orders[EMAG_ORDER]["status"] = 4
    token = shop["callbackUrl"].split("token=")[1]
    called = await gateway.get(f"{G}/webhooks/emag/{tenant}/{shop['account']['id']}",
                               params={"order_id": str(EMAG_ORDER), "token": token})
    assert called.status_code == 202, called.text
    assert await process_inbox(tenant) == ["processed"]
    assert (await shown_order(gateway, seller, message["conversation_id"]))["snapshot"]["status"] == "finalized"


async def test_an_emag_mail_naming_an_order_that_is_not_this_sellers_is_not_tied_to_it(gateway, emag):
    tenant, seller = await sign_up(gateway, "Magazin Straini")
    with running_smtp_peer() as peer:
        mailbox = (await gateway.post(f"{G}/channels/email", headers=seller,
                                      json=smtp_fields(peer, "magazin@straini.ro"))).json()
        await connect_emag(gateway, seller, mailbox["account"]["id"])
        await post_mail(gateway, tenant, mailbox["account"]["id"], mailbox["inboundToken"], raw_mail(
            "client@example.ro", "magazin@straini.ro", "Comanda nr. 499999999", "Unde este comanda mea?"))
        assert await process_inbox(tenant) == ["processed"]
    [message] = await customer_messages(tenant)
    assert await shown_order(gateway, seller, message["conversation_id"]) is None


async def test_an_amazon_relay_mail_with_an_order_id_is_linked(gateway):
    tenant, seller = await sign_up(gateway, "Sklep Amazon Zamówienia")
    with running_smtp_peer() as peer:
        created = (await gateway.post(f"{G}/channels/amazon", headers=seller,
                                      json={"store": "amazon.pl", **smtp_fields(peer, "obsluga@amz-zam.pl")})).json()
        await post_mail(gateway, tenant, created["account"]["id"], created["inboundToken"], raw_mail(
            "q8x2kd7fzl3m@marketplace.amazon.pl", "obsluga@amz-zam.pl",
            f"Zapytanie od klienta Amazon (Zamówienie: {AMAZON_ORDER})", "Kiedy wyślecie moje zamówienie?"))
        await post_mail(gateway, tenant, created["account"]["id"], created["inboundToken"], raw_mail(
            "zz91kq0apx7c@marketplace.amazon.pl", "obsluga@amz-zam.pl", "Pytanie", "Czy macie rozmiar 42?"))
        assert await process_inbox(tenant) == ["processed", "processed"]
    with_order, without = await customer_messages(tenant)
    order = await shown_order(gateway, seller, with_order["conversation_id"])
    # No order API for Amazon here: linked and shown, never fetched.
    assert (order["platform"], order["orderId"], order["snapshot"]) == ("amazon", AMAZON_ORDER, None)
    assert await shown_order(gateway, seller, without["conversation_id"]) is None


def generic_body(**fields) -> bytes:
    return json.dumps({"messageId": uuid.uuid4().hex, "conversationId": "chat-7", "text": "Gdzie moja paczka?",
                       "sentAt": datetime.now(timezone.utc).isoformat(), **fields}).encode()


async def test_a_generic_webhook_with_an_order_id_is_linked_and_a_bad_one_is_a_400(gateway):
    tenant, seller = await sign_up(gateway, "Sklep Własny")
    account_id = await add_channel(tenant, "generic", {"webhookSecret": "s3cret-generic"})
    path = f"{G}/webhooks/channels/{tenant}/{account_id}/messages"
    accepted = await post_signed(gateway, path, generic_body(orderId="ZAM/2026/00042"), "s3cret-generic")
    assert accepted.status_code == 202, accepted.text
    for bad in ("", " ", "9" * 101):
        refused = await post_signed(gateway, path, generic_body(orderId=bad), "s3cret-generic")
        assert refused.status_code == 400 and "orderId" in refused.text, refused.text
    assert await process_inbox(tenant) == ["processed"]
    [message] = await customer_messages(tenant)
    order = await shown_order(gateway, seller, message["conversation_id"])
    assert (order["platform"], order["orderId"], order["snapshot"]) == ("generic", "ZAM/2026/00042", None)
