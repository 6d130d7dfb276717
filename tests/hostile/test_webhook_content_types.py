"""A signed webhook is parsed by what it is, not by the Content-Type it claims: the same hostile body
gets the same 400 as text/plain, octet-stream, form-encoded or with no content type as it does as
JSON. Before, each of these was a 500 (NUL, invalid UTF-8, deep nesting) or silently accepted
(a sentAt without a time zone, in year 1 or 2999) unless the caller said application/json."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from tests.webhooks.support import add_channel, signed_headers

pytestmark = pytest.mark.integration

G = "/function"
NOT_JSON_TYPES = ["text/plain", "application/octet-stream", "application/x-www-form-urlencoded",
                  "text/plain; charset=iso-8859-2", None]
TYPE_IDS = ["text", "octet-stream", "form", "text-latin2", "none"]


@pytest.fixture(scope="module")
async def generic_channel(seller):
    secret = "s3cret-" + uuid.uuid4().hex
    return await add_channel(seller.tenant_id, "generic", {"webhookSecret": secret}), secret


def message(**changes) -> dict:
    body = {"messageId": f"m-{uuid.uuid4().hex}", "conversationId": "c-ct", "text": "Dzień dobry",
            "sentAt": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(), "customer": {"name": "Jan"}}
    return body | changes


def deep_extra() -> bytes:
    return json.dumps(message()).encode()[:-1] + b', "extra": ' + b"[" * 5000 + b"]" * 5000 + b"}"


HOSTILE = {
    "nul": (lambda: json.dumps(message(text="Halo\u0000")).encode(), "text", "NUL"),
    "invalid-utf8": (lambda: json.dumps(message(text="XX")).encode().replace(b"XX", b"\xff\xfe"), None, "UTF-8"),
    "5000-deep": (deep_extra, None, "nested"),
    "5000-deep-unclosed": (lambda: b"[" * 5000, None, "nested"),
    "naive-sent-at": (lambda: json.dumps(message(sentAt="2026-11-26T10:00:00")).encode(), "sentAt", "time zone"),
    "year-1": (lambda: json.dumps(message(sentAt="0001-01-01T00:00:00Z")).encode(), "sentAt", "before 2000"),
    "year-2999": (lambda: json.dumps(message(sentAt="2999-01-01T00:00:00Z")).encode(), "sentAt", "future"),
}


async def post(gateway, seller, channel, body: bytes, content_type: str | None):
    account_id, secret = channel
    headers = signed_headers(secret, body)
    del headers["content-type"]
    if content_type is not None:
        headers["content-type"] = content_type
    return await gateway.post(f"{G}/webhooks/channels/{seller.tenant_id}/{account_id}/messages",
                              content=body, headers=headers)


@pytest.mark.parametrize("content_type", NOT_JSON_TYPES, ids=TYPE_IDS)
@pytest.mark.parametrize("case", list(HOSTILE))
async def test_hostile_body_is_a_400_whatever_the_content_type(gateway, seller, generic_channel, case,
                                                               content_type):
    make, field, words = HOSTILE[case]
    response = await post(gateway, seller, generic_channel, make(), content_type)
    assert response.status_code == 400, response.text
    body = response.json()
    assert words in body["detail"]
    if field is not None:
        assert body["errors"] == [{"key": field, "message": body["detail"]}]


@pytest.mark.parametrize("content_type", NOT_JSON_TYPES, ids=TYPE_IDS)
async def test_a_sane_signed_message_is_still_accepted_whatever_the_content_type(gateway, seller, generic_channel,
                                                                                 content_type):
    response = await post(gateway, seller, generic_channel, json.dumps(message()).encode(), content_type)
    assert response.status_code == 202, response.text


async def test_a_body_that_is_not_json_at_all_is_a_400_not_a_500(gateway, seller, generic_channel):
    response = await post(gateway, seller, generic_channel, b"messageId=1&text=Halo\x00",
                          "application/x-www-form-urlencoded")
    assert response.status_code == 400 and "JSON" in response.json()["detail"]


async def test_emag_callback_body_with_a_nul_is_recorded_not_a_500(gateway, seller):
    token = secrets.token_urlsafe(16)
    account_id = await add_channel(seller.tenant_id, "emag", {"callbackToken": token})
    response = await gateway.post(f"{G}/webhooks/emag/{seller.tenant_id}/{account_id}",
                                  params={"order_id": "412345678", "token": token},
                                  content=b"order_id=412345678&status=4\x00\xff", headers={"content-type": "text/plain"})
    assert response.status_code == 202, response.text


async def test_a_mail_nesting_a_thousand_multiparts_is_a_400_not_a_500(gateway, seller):
    # The standard library's MIME parser recurses once per nested part.
    token = secrets.token_urlsafe(16)
    account_id = await add_channel(seller.tenant_id, "email", {"inboundToken": token})
    raw = "From: jan@poczta.pl\r\nMessage-ID: <deep@poczta.pl>\r\n" + "".join(
        f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n" for i in range(1000))
    raw += "Content-Type: text/plain\r\n\r\nCzy jest?\r\n" + "".join(f"--b{i}--\r\n" for i in reversed(range(1000)))
    response = await gateway.post(f"{G}/webhooks/email/{seller.tenant_id}/{account_id}", content=raw.encode(),
                                  headers={"authorization": f"Bearer {token}", "content-type": "message/rfc822"})
    assert response.status_code == 400 and "MIME" in response.json()["detail"], response.text
