"""A mailbox's display name is one line: refused with CR/LF at creation, and a name stored before that
check is sent as one line (the email package refused the header: the channel's test answered 500)."""

from __future__ import annotations

import uuid

import pytest

from functions.auth.handler import app as auth_app
from functions.channels.handler import app as channels_app
from shared.channels.email.sender import self_test_message
from shared.gateway.dispatcher import FunctionGateway
from tests.support import serve

pytestmark = pytest.mark.integration
G = "/function"


async def test_a_display_name_with_a_line_break_is_a_400_naming_the_field(db_pool):
    async with serve(FunctionGateway({"auth": auth_app, "channels": channels_app}), timeout=30) as gateway:
        signed_up = await gateway.post(f"{G}/auth/register", json={
            "email": f"name-{uuid.uuid4().hex[:10]}@example.pl", "password": "Zielona-Herbata-42",
            "companyName": "Sklep"})
        seller = {"Authorization": f"Bearer {signed_up.json()['accessToken']}"}
        mailbox = {"senderAddress": "obsluga@sklep.pl", "smtpHost": "smtp.sklep.pl", "smtpUser": "obsluga",
                   "smtpPassword": "tajne"}
        injected = await gateway.post(f"{G}/channels/email", headers=seller,
                                      json={**mailbox, "displayName": "Sklep\r\nBcc: ktos@obcy.pl"})
        amazon = await gateway.post(f"{G}/channels/amazon", headers=seller,
                                    json={**mailbox, "store": "amazon.pl", "displayName": "Sklep\nX"})
        fine = await gateway.post(f"{G}/channels/email", headers=seller,
                                  json={**mailbox, "displayName": "Sklep Łódź – obsługa"})
    assert (injected.status_code, amazon.status_code) == (400, 400), injected.text
    assert "displayName" in injected.text and "displayName" in amazon.text
    assert fine.status_code == 201 and fine.json()["account"]["displayName"] == "Sklep Łódź – obsługa"


def test_a_stored_multi_line_name_goes_out_as_one_line():
    message = self_test_message({"fromAddress": "obsluga@sklep.pl", "fromName": "Sklep\r\nBcc: ktos@obcy.pl"})
    assert message["From"] == '"Sklep Bcc: ktos@obcy.pl" <obsluga@sklep.pl>'
    assert message["Bcc"] is None and "\n" not in message["From"]
