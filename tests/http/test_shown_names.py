"""A name a seller gives something shown to people (a shop channel, a mailbox's From name, an eMAG shop,
the company) is one line without control, zero-width or text-direction characters: a 400 naming the field.
Before, only the mailbox's display name refused CR/LF; a channel name kept a line break, a right-to-left
override (which makes a name read as something else) or a zero-width space."""

from __future__ import annotations

import uuid

import pytest

from tests.hostile.conftest import PASSWORD

pytestmark = pytest.mark.integration

G = "/function"
DISGUISED = ["Sklep\nDrugi", "Sklep\n", "Sklep\u2028Drugi", "Sklep\x85", "Sklep \u202ealoz", "Skl\u200bep",
             "Sklep\U000e0041"]
RULE = "must be one line without control, zero-width or text-direction characters."
MAILBOX = {"senderAddress": "obsluga@sklep.pl", "smtpHost": "smtp.sklep.pl", "smtpUser": "obsluga",
           "smtpPassword": "tajne"}
EMAG = {"country": "ro", "apiUsername": "user", "apiPassword": "secret"}


def refused(answer, key: str) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"] == [{"key": key, "message": f"{key} {RULE}", "source": "body"}]


@pytest.mark.parametrize("name", DISGUISED, ids=ascii)
async def test_a_channel_name_with_a_hidden_character_is_a_400(gateway, seller, name):
    answer = await gateway.post(f"{G}/channels/generic", headers=seller.headers,
                                json={"name": name, "callbackUrl": "https://sklep.pl/bokai"})
    refused(answer, "name")


@pytest.mark.parametrize(("path", "body"), [("email", MAILBOX), ("amazon", {**MAILBOX, "store": "amazon.pl"}),
                                            ("emag", EMAG)])
async def test_a_display_name_with_a_hidden_character_is_a_400(gateway, seller, path, body):
    # eMAG is never called: the body is refused before the handler runs.
    answer = await gateway.post(f"{G}/channels/{path}", headers=seller.headers,
                                json={**body, "displayName": "Sklep \u202ealoz"})
    refused(answer, "displayName")


async def test_a_company_name_with_a_hidden_character_is_a_400(gateway):
    answer = await gateway.post(f"{G}/auth/register", json={
        "email": f"name-{uuid.uuid4().hex[:10]}@example.pl", "password": PASSWORD, "companyName": "Sklep\u2028X"})
    refused(answer, "companyName")


async def test_the_rule_is_published_for_frontends(gateway):
    schema = (await gateway.get(f"{G}/channels/schema/openapi.json")).json()
    name = schema["components"]["schemas"]["GenericAccountRequest"]["properties"]["name"]
    assert name["pattern"].startswith("^[^\\x00-\\x1f\\x7f-\\x9f")
