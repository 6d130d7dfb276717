"""eMAG end to end: connected through the channels API (API user checked against the eMAG contract fake),
a buyer's e-mail naming an order becomes an eMAG conversation with the order's context, eMAG's order
callback refreshes it, and the reply leaves by SMTP through the contract fake."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import pytest

from shared.conversations import delivery, replies
from tests.channels.marketplace_support import (G, customer_messages, gateway, post_mail, process_inbox,  # noqa: F401
                                                raw_mail, sign_up, smtp_fields)
from tests.fakes.smtp_peer import running_smtp_peer

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("loopback_smtp")]
ORDER = 412345678


async def connect_emag(gateway, seller, email_account_id, **overrides):  # noqa: F811
    return await gateway.post(f"{G}/channels/emag", headers=seller, json={
        "country": "ro", "apiUsername": "api-user@sklep.ro", "apiPassword": "emag-parola",
        "emailAccountId": email_account_id, **overrides})


async def test_emag_buyer_mail_gets_the_order_and_the_reply_leaves_by_smtp(gateway, emag):  # noqa: F811
    emag.add_order(ORDER, status=1, customer="Ion Popescu")
    tenant, seller = await sign_up(gateway, "Magazin Vortex")
    with running_smtp_peer() as peer:
        mailbox = await gateway.post(f"{G}/channels/email", headers=seller, json=smtp_fields(peer, "magazin@vortex.ro"))
        assert mailbox.status_code == 201, mailbox.text
        mailbox_id, token = mailbox.json()["account"]["id"], mailbox.json()["inboundToken"]

        refused = await connect_emag(gateway, seller, mailbox_id, apiPassword="zla-parola")
        assert refused.status_code == 400 and refused.json()["errors"][0]["key"] == "apiUsername"
        created = await connect_emag(gateway, seller, mailbox_id)
        assert created.status_code == 201, created.text
        shop = created.json()
        callback = urlparse(shop["callbackUrl"])
        assert callback.path == f"/function/webhooks/emag/{tenant}/{shop['account']['id']}"
        callback_token = parse_qs(callback.query)["token"][0]
        listed = (await gateway.get(f"{G}/channels/accounts", headers=seller)).json()["items"]
        assert {(a["platform"], a["marketplace"]) for a in listed} == {("email", "emag"), ("emag", None)}
        assert "emag-parola" not in str(listed) and callback_token not in str(listed)

        await post_mail(gateway, tenant, mailbox_id, token, raw_mail(
            "client.ro@example.ro", "magazin@vortex.ro", f"Întrebare despre comanda nr. {ORDER}",
            "Bună ziua, când ajunge mixerul? Mulțumesc."))
        assert await process_inbox(tenant) == ["processed"]
        [message] = await customer_messages(tenant)
        assert message["conversation_id.platform"] == "emag"  # eMAG's reply rules (RO/BG/HU) apply to it
        order = message["meta"]["emagOrder"]
        assert (order["orderId"], order["status"], order["customerName"]) == (str(ORDER), "new", "Ion Popescu")
        assert order["products"] == [{"partNumber": "MX-100", "name": "Mixer Vortex 500W", "quantity": 1}]

        emag.orders[ORDER]["status"] = 4  # eMAG finalised the order and calls back
        called = await gateway.get(f"{G}/webhooks/emag/{tenant}/{shop['account']['id']}",
                                   params={"order_id": str(ORDER), "token": callback_token})
        assert called.status_code == 202, called.text
        assert await process_inbox(tenant) == ["processed"]
        [message] = await customer_messages(tenant)
        assert message["meta"]["emagOrder"]["status"] == "finalized"

        reply = await replies.create_ai_reply(tenant, message["id"], "Bună ziua, comanda a fost livrată ieri.",
                                              approved=True)
        assert await delivery.deliver(tenant, reply.id) == "sent"
    [mail] = peer.received
    assert mail.recipients == ["client.ro@example.ro"] and mail.message["From"].addresses[0].addr_spec == "magazin@vortex.ro"
    assert mail.message["Subject"] == f"Re: Întrebare despre comanda nr. {ORDER}"
    assert mail.message.get_content().startswith("Bună ziua, comanda a fost livrată")


async def test_emag_mail_without_order_or_with_emag_down_is_still_recorded(gateway, emag):  # noqa: F811
    tenant, seller = await sign_up(gateway, "Magazin Fara Comanda")
    with running_smtp_peer() as peer:
        mailbox = (await gateway.post(f"{G}/channels/email", headers=seller,
                                      json=smtp_fields(peer, "contact@fara.ro"))).json()
        shop = (await connect_emag(gateway, seller, mailbox["account"]["id"])).json()
    emag.add_order(ORDER)
    emag.fail(r"/order/read$", 503, times=8)  # eMAG down: every retry of the read fails
    await post_mail(gateway, tenant, mailbox["account"]["id"], mailbox["inboundToken"], raw_mail(
        "a@example.ro", "contact@fara.ro", f"Comanda {ORDER}", "Salut, unde este coletul?"))
    await post_mail(gateway, tenant, mailbox["account"]["id"], mailbox["inboundToken"], raw_mail(
        "b@example.ro", "contact@fara.ro", "Intrebare", "Aveți și culoarea roșie? Sunați-mă la 0722 123 456."))
    assert await process_inbox(tenant) == ["processed", "processed"]
    messages = await customer_messages(tenant)
    assert [m["conversation_id.platform"] for m in messages] == ["emag", "emag"]
    assert [m["meta"].get("emagOrderIds") for m in messages] == [[str(ORDER)], None]  # a phone number is no order
    assert all("emagOrder" not in m["meta"] for m in messages)

    # The callback cannot read the order while eMAG is down: the event stays for a retry, nothing is lost.
    callback = parse_qs(urlparse(shop["callbackUrl"]).query)["token"][0]
    await gateway.get(f"{G}/webhooks/emag/{tenant}/{shop['account']['id']}",
                      params={"order_id": str(ORDER), "token": callback})
    with pytest.raises(Exception, match="eMAG"):
        await process_inbox(tenant)
    emag.failures.clear()
    assert await process_inbox(tenant) == ["processed"]
    assert (await customer_messages(tenant))[0]["meta"]["emagOrder"]["customerName"] == "Ion Popescu"


async def test_emag_connect_bad_input_is_a_400_naming_the_field(gateway, emag):  # noqa: F811
    _, seller = await sign_up(gateway, "Magazin Rau")
    cases = [({"country": "pl", "apiUsername": "u", "apiPassword": "p"}, "country"),
             ({"country": "ro", "apiUsername": "", "apiPassword": "p"}, "apiUsername"),
             ({"country": "ro", "apiUsername": "api-user@sklep.ro", "apiPassword": "emag-parola",
               "emailAccountId": "00000000-0000-4000-8000-000000000000"}, "emailAccountId"),
             ({"country": "ro", "apiUsername": "u", "apiPassword": "p", "surprise": 1}, None)]
    for body, field in cases:
        response = await gateway.post(f"{G}/channels/emag", headers=seller, json=body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["detail"]
        if field:
            assert field in response.text, response.text


@pytest.mark.parametrize(("text", "numbers"), [
    ("Bună ziua, comanda nr. 412345678 nu a sosit", ["412345678"]),  # ro
    ("Numărul comenzii: 412345678", ["412345678"]),
    ("Megrendelés száma: 412345678", ["412345678"]),  # hu
    ("Поръчката номер 412345678 закъснява", ["412345678"]),  # bg
    ("order #412345678 and order #412345679", ["412345678", "412345679"]),
    ("Sunați-mă la 0722 123 456, costă 412345678 lei", []),  # numbers that name no order
    ("comanda mea a venit", []),
])
def test_order_numbers_are_found_only_after_an_order_word(text, numbers):
    from shared.channels.emag.orders import order_numbers

    assert order_numbers(text) == numbers


async def test_disconnecting_emag_unbinds_its_mailbox(gateway, emag):  # noqa: F811
    tenant, seller = await sign_up(gateway, "Magazin Deconectat")
    with running_smtp_peer() as peer:
        mailbox = (await gateway.post(f"{G}/channels/email", headers=seller,
                                      json=smtp_fields(peer, "office@deconectat.ro"))).json()
    shop = (await connect_emag(gateway, seller, mailbox["account"]["id"])).json()
    assert (await gateway.delete(f"{G}/channels/accounts/{shop['account']['id']}", headers=seller)).status_code == 204
    listed = {a["id"]: a for a in (await gateway.get(f"{G}/channels/accounts", headers=seller)).json()["items"]}
    assert listed[mailbox["account"]["id"]]["marketplace"] is None  # plain e-mail again
    await post_mail(gateway, tenant, mailbox["account"]["id"], mailbox["inboundToken"], raw_mail(
        "c@example.ro", "office@deconectat.ro", f"Comanda {ORDER}", "Salut"))
    assert await process_inbox(tenant) == ["processed"]
    assert [m["conversation_id.platform"] for m in await customer_messages(tenant)] == ["email"]
