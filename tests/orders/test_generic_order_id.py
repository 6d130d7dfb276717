"""The generic webhook's orderId: one printable line (it is shown to the seller as is), and the first
order a conversation is tied to stays its order (docs/autopilot.md "Which conversation is about which
order"), whatever later messages of the thread name."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

import pytest

from tests.channels.marketplace_support import G, process_inbox, sign_up
from tests.support import post_signed
from tests.webhooks.support import add_channel

pytestmark = pytest.mark.integration
SECRET = "s3cret-order-id"


def body(thread: str, **fields) -> bytes:
    return json.dumps({"messageId": uuid.uuid4().hex, "conversationId": thread, "text": "Gdzie moja paczka?",
                       "sentAt": datetime.now(timezone.utc).isoformat(), **fields}).encode()


@pytest.fixture
async def shop(gateway):
    tenant, seller = await sign_up(gateway, "Sklep Zamówienia")
    account_id = await add_channel(tenant, "generic", {"webhookSecret": SECRET})
    return tenant, seller, f"{G}/webhooks/channels/{tenant}/{account_id}/messages"


@pytest.mark.parametrize("order_id", ["ZAM-1\nZAM-2", "ZAM\r1", "ZAM\x01", "\u202eZAM-1", "ZAM\u2028-1",
                                      "ZAM\u200b1"],
                         ids=["newline", "cr", "control", "rtl-override", "line-separator", "zero-width"])
async def test_an_order_id_that_is_not_one_printable_line_is_a_400(gateway, shop, order_id):
    tenant, _, path = shop
    refused = await post_signed(gateway, path, body("chat-1", orderId=order_id), SECRET)
    assert refused.status_code == 400, refused.text
    assert "orderId must be one line" in refused.json()["detail"]
    assert await process_inbox(tenant) == []


async def test_the_first_order_of_a_thread_stays_its_order(gateway, shop):
    tenant, seller, path = shop
    for fields in ({"orderId": "  ZAM/2026/7 "}, {"orderId": "ZAM/2026/8"}, {}):
        accepted = await post_signed(gateway, path, body("chat-7", **fields), SECRET)
        assert accepted.status_code == 202, accepted.text
    assert await process_inbox(tenant) == ["processed"] * 3
    found = (await gateway.get(f"{G}/conversations/conversations", headers=seller,
                               params={"platformConversationId": "chat-7"})).json()["items"]
    assert [(c["order"]["platform"], c["order"]["orderId"]) for c in found] == [("generic", "ZAM/2026/7")]
