"""Shops choose their own conversation ids, so two sellers will share one ("chat-1"): the
``platformConversationId`` filter finds the caller's conversation and order only, never the other's."""

from __future__ import annotations

import uuid

import pytest

from shared.conversations.tables import Conversation
from shared.orders.tables import OrderSnapshotRow
from shared.tenancy.db import tenant_tx
from tests.webhooks.support import add_channel

pytestmark = pytest.mark.integration

LIST = "/function/conversations/conversations"


async def conversation_with_order(tenant_id: uuid.UUID, thread: str, order_id: str) -> uuid.UUID:
    channel = await add_channel(tenant_id, "generic", {"webhookSecret": "s-" + uuid.uuid4().hex},
                                settings={"callbackUrl": "https://shop.example.pl/hook"})
    conversation_id = uuid.uuid4()
    async with tenant_tx(tenant_id):
        await Conversation.insert(Conversation(
            id=conversation_id, tenant_id=tenant_id, channel_account_id=channel, platform="generic",
            platform_conversation_id=thread, customer_name=f"Klient {order_id}"))
        await OrderSnapshotRow.insert(OrderSnapshotRow(
            tenant_id=tenant_id, conversation_id=conversation_id, platform="generic", order_id=order_id))
    return conversation_id


async def test_the_same_shop_thread_id_finds_each_seller_only_their_own(gateway, seller, other_seller):
    thread = f"chat-{uuid.uuid4().hex[:8]}"
    mine = await conversation_with_order(seller.tenant_id, thread, "ZAM-A-1")
    theirs = await conversation_with_order(other_seller.tenant_id, thread, "ZAM-B-1")

    for who, expected, order, foreign in ((seller, mine, "ZAM-A-1", "ZAM-B-1"),
                                          (other_seller, theirs, "ZAM-B-1", "ZAM-A-1")):
        answer = await gateway.get(LIST, headers=who.headers, params={"platformConversationId": thread})
        assert answer.status_code == 200, answer.text
        assert [(c["id"], c["order"]["orderId"]) for c in answer.json()["items"]] == [(str(expected), order)]
        assert foreign not in answer.text

    # Repeating the parameter cannot widen the filter to the other seller's rows either: it is refused.
    repeated = await gateway.get(f"{LIST}?platformConversationId={thread}&platformConversationId=chat-none",
                                 headers=seller.headers)
    assert repeated.status_code == 400 and "ZAM-B-1" not in repeated.text
    assert [e["key"] for e in repeated.json()["errors"]] == ["platformConversationId"]
