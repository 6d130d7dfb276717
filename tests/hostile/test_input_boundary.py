"""The shared input boundary: NUL, invalid UTF-8, deep nesting, oversized JSON and absurd timestamps
get a 400/413 naming the field — each case was a 500 (or silently accepted) before."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.hostile.conftest import PASSWORD, client_address
from tests.webhooks.support import add_channel, signed_headers

pytestmark = pytest.mark.integration

G = "/function"
DEEP = "[" * 1000 + "]" * 1000


def refused(response, status: int = 400, field: str | None = None) -> dict:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["detail"]
    if field is not None:
        assert body["errors"] == [{"key": field, "message": body["detail"]}]
    return body


@pytest.fixture(scope="module")
async def generic_channel(seller):
    secret = "s3cret-" + uuid.uuid4().hex
    return await add_channel(seller.tenant_id, "generic", {"webhookSecret": secret}), secret


def webhook_message(**changes) -> dict:
    message = {"messageId": f"m-{uuid.uuid4().hex}", "conversationId": "c-1", "text": "Dzień dobry",
               "sentAt": datetime.now(UTC).isoformat(), "customer": {"name": "Jan"}}
    message.update(changes)
    return message


async def post_signed(gateway, seller, channel, body: bytes):
    account_id, secret = channel
    return await gateway.post(f"{G}/webhooks/channels/{seller.tenant_id}/{account_id}/messages",
                              content=body, headers=signed_headers(secret, body))


# --- NUL characters ------------------------------------------------------------------------------

async def test_nul_in_login_email_needs_no_token_and_is_a_400(gateway):
    response = await gateway.post(f"{G}/auth/login", json={"email": "anna\u0000@sklep.pl", "password": PASSWORD})
    assert "NUL" in refused(response, field="email")["detail"]


async def test_nul_in_register_company_name(gateway):
    response = await gateway.post(f"{G}/auth/register", json={
        "email": f"nul-{uuid.uuid4().hex[:8]}@example.pl", "password": PASSWORD, "companyName": "Sklep\u0000"})
    refused(response, field="companyName")


async def test_nul_in_invite_email(gateway, seller):
    response = await gateway.post(f"{G}/auth/members/invites", headers=seller.headers,
                                  json={"email": "x\u0000@example.pl", "role": "member"})
    refused(response, field="email")


async def test_nul_in_curated_answer(gateway, seller):
    response = await gateway.post(f"{G}/kb/answers", headers=seller.headers,
                                  json={"question": "Czy wysyłacie?\u0000", "answer": "Tak."})
    refused(response, field="question")


async def test_nul_in_generic_channel_name(gateway, seller):
    response = await gateway.post(f"{G}/channels/generic", headers=seller.headers,
                                  json={"name": "Sklep\u0000", "callbackUrl": "https://shop.example.pl/hook"})
    refused(response, field="name")


@pytest.mark.parametrize(("changes", "field"), [
    ({"text": "Halo\u0000"}, "text"),
    ({"messageId": "id\u0000"}, "messageId"),
    ({"customer": {"name": "Jan\u0000"}}, "customer.name"),
])
async def test_nul_in_signed_webhook_fields(gateway, seller, generic_channel, changes, field):
    body = json.dumps(webhook_message(**changes)).encode()
    refused(await post_signed(gateway, seller, generic_channel, body), field=field)


async def test_nul_in_query_string(gateway, seller):
    response = await gateway.get(f"{G}/conversations/conversations?q=%00", headers=seller.headers)
    refused(response, field="q")


async def test_escaped_backslash_before_u0000_is_ordinary_text(gateway):
    # The seven characters \u0000 typed by a person are not a NUL: the request is judged on its merits.
    response = await gateway.post(f"{G}/auth/login", json={"email": "a@b.pl", "password": "\\u0000 wrong password"})
    assert response.status_code == 401


# --- invalid UTF-8, nesting, size ----------------------------------------------------------------

async def test_invalid_utf8_inside_a_correctly_signed_webhook(gateway, seller, generic_channel):
    body = json.dumps(webhook_message(text="XX")).encode().replace(b"XX", b"\xff\xfe")
    assert "UTF-8" in refused(await post_signed(gateway, seller, generic_channel, body))["detail"]


async def test_invalid_utf8_in_a_query_parameter(gateway, seller):
    response = await gateway.get(f"{G}/conversations/conversations?q=%ff", headers=seller.headers)
    refused(response, field="q")


@pytest.mark.parametrize("path", ["/auth/login", "/auth/register", "/kb/search"])
async def test_thousand_deep_json_is_a_400(gateway, seller, path):
    response = await gateway.post(G + path, content=DEEP, headers={**seller.headers, "content-type": "application/json"})
    assert "nested" in refused(response)["detail"]


async def test_thousand_deep_json_without_a_json_content_type(gateway):
    # The handler decodes `data` as JSON whatever the header says, so the boundary does too.
    response = await gateway.post(f"{G}/auth/login", content=DEEP, headers={"content-type": "text/plain"})
    refused(response)


async def test_thousand_deep_json_in_a_signed_webhook(gateway, seller, generic_channel):
    body = json.dumps(webhook_message()).encode()[:-1] + b', "extra": ' + DEEP.encode() + b"}"
    refused(await post_signed(gateway, seller, generic_channel, body))


async def test_unclosed_deep_nesting_is_refused_too(gateway):
    response = await gateway.post(f"{G}/auth/login", content="[" * 5000, headers={"content-type": "application/json"})
    refused(response)


async def test_brackets_inside_strings_do_not_count_as_nesting(gateway):
    response = await gateway.post(f"{G}/auth/login", json={"email": "a@b.pl", "password": "[" * 200 + "{" * 200})
    assert response.status_code == 401


async def test_json_over_a_megabyte_is_a_413(gateway, seller):
    response = await gateway.post(f"{G}/kb/answers", headers=seller.headers,
                                  json={"question": "q" * (1024 * 1024), "answer": "a"})
    refused(response, status=413)


# --- timestamps ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("sent_at", "words"), [
    ("9999-12-31T23:59:59Z", "future"),
    ((datetime.now(UTC) + timedelta(days=30)).isoformat(), "future"),
    ("2026-11-26T10:00:00", "time zone"),
    ("1970-01-01T00:00:00Z", "before 2000"),
])
async def test_absurd_or_naive_sent_at_is_refused(gateway, seller, generic_channel, sent_at, words):
    body = json.dumps(webhook_message(sentAt=sent_at)).encode()
    assert words in refused(await post_signed(gateway, seller, generic_channel, body), field="sentAt")["detail"]


async def test_a_sane_webhook_still_passes(gateway, seller, generic_channel):
    body = json.dumps(webhook_message(sentAt=(datetime.now(UTC) - timedelta(minutes=3)).isoformat())).encode()
    response = await post_signed(gateway, seller, generic_channel, body)
    assert response.status_code == 202, response.text


# --- unauthenticated webhook failures ------------------------------------------------------------

async def test_failed_webhook_calls_are_throttled_per_channel_never_against_a_right_signature(
        monkeypatch, gateway, seller):
    # Issue 22: counted per channel, not per address (forwarding services post for many sellers from
    # one address), and a correctly signed call is accepted whatever was refused before it.
    monkeypatch.setenv("AUTH_WEBHOOK_MAX_FAILURES_PER_CHANNEL", "3")
    secret = "s3cret-" + uuid.uuid4().hex
    account_id = await add_channel(seller.tenant_id, "generic", {"webhookSecret": secret})
    url = f"{G}/webhooks/channels/{seller.tenant_id}/{account_id}/messages"
    guesser = {"x-forwarded-for": client_address()}
    body = json.dumps(webhook_message()).encode()
    answers = [(await gateway.post(url, content=body, headers={**signed_headers("wrong-secret", body), **guesser}))
               .status_code for _ in range(4)]
    assert answers == [401, 401, 401, 429]
    forged = await gateway.post(url, content=body, headers={**signed_headers("wrong-secret", body), **guesser})
    assert forged.status_code == 429 and forged.headers["retry-after"]
    # Ids naming no channel are a 404 each, whoever sends them.
    unknown = await gateway.post(f"{G}/webhooks/channels/{uuid.uuid4()}/{uuid.uuid4()}/messages", content=body,
                                 headers={**signed_headers(secret, body), **guesser})
    assert unknown.status_code == 404
    # The shop's correctly signed call from the very same address is accepted.
    ok = await gateway.post(url, content=body, headers={**signed_headers(secret, body), **guesser})
    assert ok.status_code == 202, ok.text
