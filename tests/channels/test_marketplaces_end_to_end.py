"""Allegro, OLX and Amazon end to end: connected through the channels API, a customer message in, a reply
out through each platform's contract fake (eMAG: test_emag_channel.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.channels.sync import sync_account
from shared.conversations import delivery, replies
from tests.channels.marketplace_support import (G, connect_allegro, connect_olx, customer_messages,  # noqa: F401
                                                gateway, post_mail, process_inbox, raw_mail, sign_up, smtp_fields)
from tests.fakes.smtp_peer import running_smtp_peer

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)


async def test_allegro_from_device_flow_to_a_reply_in_the_thread(gateway, allegro):  # noqa: F811
    tenant, seller = await sign_up(gateway, "Sklep Allegro E2E")
    account_id = await connect_allegro(gateway, tenant, seller, allegro)

    question = allegro.add_message("t-e2e", "Czy wysyłacie paczkomatem?", NOW - timedelta(minutes=4),
                                   buyer="kupujaca_ania")
    await sync_account(tenant, account_id)
    [message] = await customer_messages(tenant)
    assert (message["conversation_id.platform"], message["content"]) == ("allegro", "Czy wysyłacie paczkomatem?")
    reply = await replies.create_ai_reply(tenant, message["id"], "Tak, wysyłamy paczkomatem InPost.", approved=True)
    assert await delivery.deliver(tenant, reply.id) == "sent"
    assert [(p.path, p.text) for p in allegro.posted] == [("/messaging/threads/t-e2e/messages", reply.content)]
    assert question and (await gateway.get(f"{G}/channels/accounts", headers=seller)).json()["items"][0][
        "lastSyncedAt"] is not None


async def test_olx_from_the_callback_to_a_reply_with_the_buyers_name(gateway, olx):  # noqa: F811
    tenant, seller = await sign_up(gateway, "Sklep OLX E2E")
    account = {"id": await connect_olx(gateway, seller, olx)}

    olx.add_message(41, "Czy rower jest dostępny?", NOW - timedelta(minutes=6), buyer="Marta z Gdyni")
    olx.add_message(42, "Ostatnia cena?", NOW - timedelta(minutes=5))  # a buyer OLX has no profile for (404)
    await sync_account(tenant, account["id"])
    messages = {m["content"]: m for m in await customer_messages(tenant)}
    assert messages["Czy rower jest dostępny?"]["conversation_id.customer_name"] == "Marta z Gdyni"
    assert messages["Ostatnia cena?"]["conversation_id.customer_name"] is None  # recorded all the same
    assert olx.requests_to("GET", r"/users/\d+$") == 2

    reply = await replies.create_ai_reply(tenant, messages["Czy rower jest dostępny?"]["id"], "Tak, jest dostępny.",
                                          approved=True)
    assert await delivery.deliver(tenant, reply.id) == "sent"
    assert [(thread, text) for thread, text, _ in olx.posted] == [(41, "Tak, jest dostępny.")]


async def test_amazon_from_the_api_to_a_reply_through_the_relay(gateway, loopback_smtp):  # noqa: F811
    tenant, seller = await sign_up(gateway, "Sklep Amazon E2E")
    with running_smtp_peer() as peer:
        created = await gateway.post(f"{G}/channels/amazon", headers=seller,
                                     json={"store": "amazon.pl", **smtp_fields(peer, "obsluga@sklep-amz.pl")})
        assert created.status_code == 201, created.text
        body = created.json()
        assert body["relayDomain"] == "marketplace.amazon.pl" and body["account"]["marketplace"] == "amazon"
        assert body["inboundUrl"].endswith(f"/function/webhooks/email/{tenant}/{body['account']['id']}")
        assert any("Messaging Permissions" in step and "obsluga@sklep-amz.pl" in step for step in body["setupSteps"])

        # The buyer's alias relays the question; a forwarding mailbox may put the seller's own address in From.
        await post_mail(gateway, tenant, body["account"]["id"], body["inboundToken"], raw_mail(
            "forwarder@sklep-amz.pl", "obsluga@sklep-amz.pl", "Pytanie o zamówienie 305-1234567-7654321",
            "Kiedy wyślecie moje zamówienie?", reply_to="q8x2kd7fzl3m@marketplace.amazon.pl"))
        # A buyer's mail through the relay that asks for answers at a private address: Amazon forbids that.
        await post_mail(gateway, tenant, body["account"]["id"], body["inboundToken"], raw_mail(
            "zz91kq0apx7c@marketplace.amazon.pl", "obsluga@sklep-amz.pl", "Faktura",
            "Proszę o fakturę.", reply_to="kupujacy.prywatny@gmail.com"))
        assert await process_inbox(tenant) == ["processed", "processed"]
        messages = await customer_messages(tenant)
        assert [m["conversation_id.platform"] for m in messages] == ["amazon", "amazon"]  # Amazon's rules apply
        for message in messages:
            reply = await replies.create_ai_reply(tenant, message["id"], "Dziękujemy, zajmiemy się tym dziś.",
                                                  approved=True)
            assert await delivery.deliver(tenant, reply.id) == "sent"
    assert [mail.recipients for mail in peer.received] == [
        ["q8x2kd7fzl3m@marketplace.amazon.pl"], ["zz91kq0apx7c@marketplace.amazon.pl"]]  # only ever the relay
    for mail in peer.received:
        assert mail.message["From"].addresses[0].addr_spec == "obsluga@sklep-amz.pl"  # the authorised sender
        assert mail.message["In-Reply-To"]


async def test_amazon_bad_input_is_a_400_naming_the_field(gateway):  # noqa: F811
    _, seller = await sign_up(gateway, "Sklep Amazon Zly")
    base = {"store": "amazon.pl", "senderAddress": "a@b.pl", "smtpHost": "smtp.b.pl", "smtpUser": "a",
            "smtpPassword": "x"}
    for patch, field in (({"store": "amazon.xx"}, "store"), ({"senderAddress": "nie-adres"}, "senderAddress"),
                         ({"smtpHost": "smtp b.pl"}, "smtpHost"), ({"smtpPort": 0}, "smtpPort")):
        response = await gateway.post(f"{G}/channels/amazon", headers=seller, json={**base, **patch})
        assert response.status_code == 400 and field in response.text, (patch, response.text)
    assert (await gateway.post(f"{G}/channels/amazon", headers=seller, json=base)).status_code == 201
    assert (await gateway.post(f"{G}/channels/amazon", headers=seller, json=base)).status_code == 409
