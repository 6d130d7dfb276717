"""What the generic webhook's OpenAPI description promises a shop (functions/webhooks/handler.py,
GENERIC_MESSAGE_RULES) and no other test held: during a secret rotation several signatures may be sent
comma-separated, ``text`` is at most 20,000 characters, a body over 256 KiB is a 413."""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime

import pytest

from shared.http.signatures import sign
from tests.webhooks.support import add_channel, signed_headers

pytestmark = pytest.mark.integration
SECRET = "s3cret-rules-" + uuid.uuid4().hex


@pytest.fixture(scope="module")
async def inbound_path(seller):
    account_id = await add_channel(seller.tenant_id, "generic", {"webhookSecret": SECRET})
    return f"/function/webhooks/channels/{seller.tenant_id}/{account_id}/messages"


def message(text: str = "Dzień dobry") -> bytes:
    return json.dumps({"messageId": f"m-{uuid.uuid4().hex}", "conversationId": "c-rules", "text": text,
                       "sentAt": datetime.now(UTC).isoformat()}).encode()


async def test_one_right_signature_among_several_comma_separated_is_accepted(gateway, inbound_path):
    body, timestamp = message(), int(time.time())
    old, new = sign("the-old-secret", timestamp, body), sign(SECRET, timestamp, body)
    answer = await gateway.post(inbound_path, content=body, headers={
        "content-type": "application/json", "x-bokai-timestamp": str(timestamp),
        "x-bokai-signature": f"{old}, {new}"})
    assert answer.status_code == 202, answer.text
    only_wrong = message()
    refused = await gateway.post(inbound_path, content=only_wrong, headers={
        "content-type": "application/json", "x-bokai-timestamp": str(timestamp),
        "x-bokai-signature": f"{sign('the-old-secret', timestamp, only_wrong)}, {sign('another', timestamp, only_wrong)}"})
    assert refused.status_code == 401, refused.text


async def test_text_is_at_most_20000_characters(gateway, inbound_path):
    longest = message("a" * 20_000)
    assert (await gateway.post(inbound_path, content=longest, headers=signed_headers(SECRET, longest))).status_code == 202
    too_long = message("a" * 20_001)
    refused = await gateway.post(inbound_path, content=too_long, headers=signed_headers(SECRET, too_long))
    assert refused.status_code == 400 and "20000" in refused.json()["detail"], refused.text


async def test_a_body_over_256_kib_is_a_413(gateway, inbound_path):
    huge = json.dumps({"messageId": "m-huge", "conversationId": "c-rules", "text": "x",
                       "sentAt": datetime.now(UTC).isoformat(), "pad": "p" * (256 * 1024)}).encode()
    answer = await gateway.post(inbound_path, content=huge, headers=signed_headers(SECRET, huge))
    assert answer.status_code == 413, answer.text
