"""Host names and sender addresses are IDNA-checked when a channel is created: a name no resolver, TLS
library or SMTP server can take is a 400 naming the field (it was accepted, and its test then a 500);
an internationalised mail host or sender domain is kept in its ASCII (A-label) form."""

from __future__ import annotations

import pytest

from shared.channels.connection import load_connection
from shared.channels.hostnames import InvalidHost, ascii_address, ascii_host
from tests.channels.marketplace_support import G, gateway, sign_up  # noqa: F401
from tests.fakes.smtp_peer import running_smtp_peer
from tests.webhooks.support import add_channel

pytestmark = pytest.mark.integration
BAD_HOSTS = [".", "a..b", "x" * 64 + ".pl", "sklep_1.pl", "xn--zz.pl", "smtp .pl"]
MAILBOX = {"senderAddress": "obsluga@sklep.pl", "smtpHost": "smtp.sklep.pl", "smtpUser": "obsluga",
           "smtpPassword": "tajne-haslo"}


def refused(response, field: str) -> None:
    assert response.status_code == 400, response.text
    assert [error["key"] for error in response.json()["errors"]] == [field], response.text


@pytest.mark.parametrize("host", BAD_HOSTS)
def test_names_that_are_not_idna_are_refused_with_the_reason(host):
    with pytest.raises(InvalidHost, match="not a valid host name"):
        ascii_host(host)


def test_names_are_kept_as_a_labels():
    assert ascii_host("Smtp.Łódź.PL.") == "smtp.xn--d-uga0v4h.pl"
    assert ascii_host("2001:DB8::1") == "2001:db8::1"
    assert ascii_address("Biuro@Łódź.pl") == "biuro@xn--d-uga0v4h.pl"
    with pytest.raises(InvalidHost, match="plain ASCII"):
        ascii_address("obsługa@sklep.pl")


@pytest.mark.parametrize("host", BAD_HOSTS)
async def test_email_channels_with_impossible_hosts_are_a_400(gateway, host):  # noqa: F811
    _, seller = await sign_up(gateway, "Sklep Zly Host")
    refused(await gateway.post(f"{G}/channels/email", headers=seller, json={**MAILBOX, "smtpHost": host}),
            "smtpHost")
    refused(await gateway.post(f"{G}/channels/email", headers=seller, json={**MAILBOX, "imapHost": host}),
            "imapHost")
    refused(await gateway.post(f"{G}/channels/amazon", headers=seller,
                               json={**MAILBOX, "store": "amazon.pl", "smtpHost": host}), "smtpHost")


async def test_a_sender_address_smtp_cannot_carry_is_a_400(gateway):  # noqa: F811
    _, seller = await sign_up(gateway, "Sklep Unicode")
    refused(await gateway.post(f"{G}/channels/email", headers=seller,
                               json={**MAILBOX, "senderAddress": "obsługa@sklep.pl"}), "senderAddress")
    refused(await gateway.post(f"{G}/channels/email", headers=seller,
                               json={**MAILBOX, "senderAddress": "obsluga@a..b"}), "senderAddress")


@pytest.mark.parametrize("host", BAD_HOSTS)
async def test_shop_callback_urls_with_impossible_hosts_are_a_400(gateway, host):  # noqa: F811
    _, seller = await sign_up(gateway, "Sklep Zly Callback")
    refused(await gateway.post(f"{G}/channels/generic", headers=seller,
                               json={"name": "Sklep", "callbackUrl": f"https://{host}/bokai"}), "callbackUrl")


async def test_internationalised_names_are_stored_as_a_labels(gateway):  # noqa: F811
    tenant, seller = await sign_up(gateway, "Sklep Łódź")
    created = await gateway.post(f"{G}/channels/email", headers=seller, json={
        **MAILBOX, "senderAddress": "Biuro@Łódź.pl", "smtpHost": "SMTP.Łódź.pl", "imapHost": "imap.łódź.pl"})
    assert created.status_code == 201, created.text
    stored = await load_connection(tenant, created.json()["account"]["id"])
    assert (stored.settings["fromAddress"], stored.settings["smtpHost"], stored.settings["imapHost"]) == (
        "biuro@xn--d-uga0v4h.pl", "smtp.xn--d-uga0v4h.pl", "imap.xn--d-uga0v4h.pl")
    shop = await gateway.post(f"{G}/channels/generic", headers=seller,
                              json={"name": "Sklep", "callbackUrl": "https://Sklep.Łódź.pl/bokai?x=1"})
    assert shop.status_code == 201, shop.text
    stored = await load_connection(tenant, shop.json()["account"]["id"])
    assert stored.settings["callbackUrl"] == "https://Sklep.Łódź.pl/bokai?x=1"  # httpx2 sends it as A-labels


async def test_channels_stored_before_the_check_fail_their_test_with_the_reason(gateway, monkeypatch):  # noqa: F811
    monkeypatch.setenv("EMAIL_CHANNEL_ALLOW_PRIVATE_SMTP_HOSTS", "true")  # the SMTP fake is on loopback
    tenant, seller = await sign_up(gateway, "Sklep Stary Host")
    with running_smtp_peer(username="stary") as peer:
        impossible_host = await add_channel(tenant, "email", {"smtpPassword": peer.password, "inboundToken": "t"}, {
            "fromAddress": "stary@sklep.pl", "smtpHost": "a..b", "smtpPort": peer.port, "smtpSecurity": "none",
            "smtpUsername": "stary"})
        unicode_sender = await add_channel(tenant, "email", {"smtpPassword": peer.password, "inboundToken": "t"}, {
            "fromAddress": "obsługa@sklep.pl", "smtpHost": peer.host, "smtpPort": peer.port, "smtpSecurity": "none",
            "smtpUsername": "stary"})
        tests = [await gateway.post(f"{G}/channels/accounts/{account}/test", headers=seller)
                 for account in (impossible_host, unicode_sender)]
    assert [t.status_code for t in tests] == [200, 200], [t.text for t in tests]
    assert [t.json()["ok"] for t in tests] == [False, False]
    assert "not a valid host name" in tests[0].json()["detail"]
    assert peer.received == []
