"""Every channel kind through the channels API: created, tested ("send a test message"), paused, resumed and
deleted, with its health and last test visible in the list; a paused channel fetches and sends nothing."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from shared.channels.errors import PAUSED_MESSAGE
from shared.channels.sync import sync_account
from shared.conversations import delivery, replies
from shared.conversations.tables import Message
from shared.tenancy.db import tenant_tx, tx_connection
from tests.channels.marketplace_support import (G, connect_allegro, connect_olx, customer_messages,  # noqa: F401
                                                gateway, post_mail, process_inbox, raw_mail, sign_up, smtp_fields)
from tests.fakes.generic_receiver import GenericReceiver
from tests.fakes.smtp_peer import running_smtp_peer
from tests.support import serve

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("loopback_smtp")]
KINDS = ("allegro", "olx", "email", "amazon", "emag", "generic")


async def listed(gateway, seller) -> dict[str, dict]:  # noqa: F811
    items = (await gateway.get(f"{G}/channels/accounts", headers=seller)).json()["items"]
    return {a["id"]: a for a in items}


async def test_every_kind_through_the_api(gateway, allegro, olx, emag, monkeypatch):  # noqa: F811
    monkeypatch.setenv("GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS", "true")
    tenant, seller = await sign_up(gateway, "Sklep Wszystkie Kanaly")
    with running_smtp_peer() as peer:
        ids = {"allegro": await connect_allegro(gateway, tenant, seller, allegro),
               "olx": await connect_olx(gateway, seller, olx)}
        email = (await gateway.post(f"{G}/channels/email", headers=seller,
                                    json=smtp_fields(peer, "biuro@wszystkie.pl"))).json()
        ids["email"] = email["account"]["id"]
        ids["amazon"] = (await gateway.post(f"{G}/channels/amazon", headers=seller, json={
            "store": "amazon.de", **smtp_fields(peer, "amazon@wszystkie.pl")})).json()["account"]["id"]
        ids["emag"] = (await gateway.post(f"{G}/channels/emag", headers=seller, json={
            "country": "bg", "apiUsername": "api-user@sklep.ro", "apiPassword": "emag-parola"})).json()["account"]["id"]
        # Nothing listens there: the first test of the shop's channel must say so.
        shop = (await gateway.post(f"{G}/channels/generic", headers=seller,
                                   json={"name": "Sklep www", "callbackUrl": "https://127.0.0.1:9/bokai"})).json()
        ids["generic"] = shop["account"]["id"]

        tested = {kind: (await gateway.post(f"{G}/channels/accounts/{ids[kind]}/test", headers=seller)).json()
                  for kind in KINDS}
        assert {kind: t["ok"] for kind, t in tested.items()} == {**{k: True for k in KINDS}, "generic": False}
        assert "could not be reached" in tested["generic"]["detail"]
        # The e-mail tests really went out, each from the sender address to itself (nobody else).
        assert sorted(m.recipients[0] for m in peer.received) == ["amazon@wszystkie.pl", "biuro@wszystkie.pl"]
        assert all(m.mail_from == m.recipients[0] for m in peer.received)
        assert "api user" in tested["emag"]["detail"].lower() and "Marta" not in str(tested)

        receiver = GenericReceiver(shop["webhookSecret"].encode())
        async with serve(receiver) as endpoint:
            # The API takes https URLs only; the fake endpoint speaks plain http on loopback.
            async with tenant_tx(tenant):
                await tx_connection().execute(
                    "UPDATE channel_accounts SET settings = settings || jsonb_build_object('callbackUrl', $2::text) "
                    "WHERE id = $1", uuid.UUID(ids["generic"]), f"{str(endpoint.base_url).rstrip('/')}/hook")
            retest = (await gateway.post(f"{G}/channels/accounts/{ids['generic']}/test", headers=seller)).json()
        assert retest["ok"] is True, retest
        [call] = receiver.calls
        assert call.signature_valid and call.body["type"] == "test"

        accounts = await listed(gateway, seller)
        assert {k: accounts[ids[k]]["lastTest"]["ok"] for k in KINDS} == {k: True for k in KINDS}
        assert all(accounts[ids[k]]["health"]["state"] == "ok" for k in KINDS)

        for kind in KINDS:
            paused = await gateway.post(f"{G}/channels/accounts/{ids[kind]}/pause", headers=seller)
            assert paused.status_code == 200 and paused.json()["status"] == "paused", (kind, paused.text)
            assert paused.json()["health"]["state"] == "paused"
        again = await gateway.post(f"{G}/channels/accounts/{ids['olx']}/pause", headers=seller)
        assert again.status_code == 409 and "paused" in again.json()["detail"]

        # Paused: nothing is fetched, mail is still recorded, nothing is sent.
        olx.add_message(77, "Czy aktualne?", datetime.now(timezone.utc) - timedelta(minutes=1))
        assert await sync_account(tenant, ids["olx"]) is None and olx.requests_to("GET", "/threads$") == 1
        await post_mail(gateway, tenant, ids["email"], email["inboundToken"], raw_mail(
            "klient@example.pl", "biuro@wszystkie.pl", "Pytanie", "Czy macie to w kolorze zielonym?"))
        assert await process_inbox(tenant) == ["processed"]
        [message] = await customer_messages(tenant)
        reply = await replies.create_ai_reply(tenant, message["id"], "Tak, mamy.", approved=True)
        await delivery.deliver(tenant, reply.id)
        async with tenant_tx(tenant):
            row = await Message.select(Message.status, Message.delivery_error).where(Message.id == reply.id).first()
        assert (row["status"], row["delivery_error"]) == ("failed", PAUSED_MESSAGE)
        assert len(peer.received) == 2  # only the two test mails ever left

        for kind in KINDS:
            resumed = await gateway.post(f"{G}/channels/accounts/{ids[kind]}/resume", headers=seller)
            assert resumed.status_code == 200 and resumed.json()["status"] == "connected", (kind, resumed.text)
        assert (await gateway.post(f"{G}/channels/accounts/{ids['email']}/resume", headers=seller)).status_code == 409
        assert (await sync_account(tenant, ids["olx"])).new_messages == 1  # picks up what arrived while paused

        for kind in KINDS:
            assert (await gateway.delete(f"{G}/channels/accounts/{ids[kind]}", headers=seller)).status_code == 204
        accounts = await listed(gateway, seller)
        assert {accounts[ids[k]]["status"] for k in KINDS} == {"disconnected"}
        assert {accounts[ids[k]]["health"]["state"] for k in KINDS} == {"disconnected"}
        for action in ("test", "pause", "resume"):
            refused = await gateway.post(f"{G}/channels/accounts/{ids['emag']}/{action}", headers=seller)
            assert refused.status_code == 409 and refused.json()["detail"], (action, refused.text)
            unknown = await gateway.post(f"{G}/channels/accounts/{uuid.uuid4()}/{action}", headers=seller)
            assert unknown.status_code == 404, (action, unknown.text)
            malformed = await gateway.post(f"{G}/channels/accounts/not-an-id/{action}", headers=seller)
            assert malformed.status_code in (400, 404) and malformed.json()["detail"]


async def test_a_failed_smtp_login_is_a_failed_test_not_an_error(gateway):  # noqa: F811
    tenant, seller = await sign_up(gateway, "Sklep Zle Haslo")
    with running_smtp_peer(refuse_auth=True) as peer:
        email = (await gateway.post(f"{G}/channels/email", headers=seller,
                                    json=smtp_fields(peer, "zle@haslo.pl"))).json()
        tested = await gateway.post(f"{G}/channels/accounts/{email['account']['id']}/test", headers=seller)
    assert tested.status_code == 200 and tested.json()["ok"] is False
    assert "login" in tested.json()["detail"] and peer.password not in tested.text
    assert peer.received == []
