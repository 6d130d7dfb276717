"""docs/channels.md "Seller-given hosts": redirects are never followed. A seller's endpoint that
answers 3xx must not steer our signed reply or event to another address (our own network, a metadata
service): the reply fails with the status shown to the seller, the event is retried at the same URL."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone

import pytest

from shared.channels.registry import sender_for
from shared.channels.senders import OutboundReply, PermanentDeliveryError
from shared.conversations.tables import Conversation
from shared.events.delivery import RetryLater, deliver
from shared.events.emit import stage_event
from shared.tenancy.db import tenant_tx
from tests.conversations.support import SECRET, customer_writes, generic_channel
from tests.events.receiver import EventReceiver, listening
from tests.events.support import add_endpoint, deliveries, fresh_seller
from tests.fakes.generic_receiver import served_receiver
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
REDIRECTS = [301, 302, 303, 307, 308]


@pytest.fixture
async def elsewhere():
    """Where a redirect points: it must never be called."""
    async with served_receiver(SECRET.encode(), "/internal/admin") as fake:
        yield fake


@pytest.fixture
async def shop():
    async with served_receiver(SECRET.encode()) as fake:
        yield fake


@pytest.mark.parametrize("status", REDIRECTS)
async def test_a_reply_callback_answering_a_redirect_fails_and_goes_nowhere_else(shop, elsewhere, monkeypatch,
                                                                                 status):
    monkeypatch.setenv("GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS", "true")  # both listen on loopback
    seller = await seed_tenant(f"redirect-{uuid.uuid4().hex[:6]}")
    account = await generic_channel(seller.tenant_id, shop.url)
    conversation_id, _ = await customer_writes(seller.tenant_id, account, "Kiedy wyślecie paczkę?")
    async with tenant_tx(seller.tenant_id):
        assert await Conversation.exists().where(Conversation.id == conversation_id)
    shop.respond_with(status, Location=elsewhere.url)
    reply = OutboundReply(tenant_id=seller.tenant_id, message_id=uuid.uuid4(), conversation_id=conversation_id,
                          channel_account_id=account, platform="generic", platform_conversation_id="chat-1",
                          text="Jutro.", idempotency_key=f"bokai-{uuid.uuid4()}",
                          claimed_at=datetime.now(timezone.utc))

    with pytest.raises(PermanentDeliveryError, match=f"HTTP {status}"):
        await sender_for("generic").send(reply)
    assert [c.method for c in shop.calls] == ["POST"]
    assert elsewhere.calls == []


@pytest.mark.parametrize("status", [302, 307])
async def test_an_event_endpoint_answering_a_redirect_is_retried_at_its_own_url_only(elsewhere, monkeypatch,
                                                                                     status):
    monkeypatch.setenv("EVENTS_WEBHOOK_ALLOW_PRIVATE_URLS", "true")  # both listen on loopback
    seller = await fresh_seller("ev-redirect")
    receiver = EventReceiver(scripted=[(status, {"Location": elsewhere.url})])
    async with listening(receiver):
        _, receiver.secret = await add_endpoint(seller.tenant_id, receiver.url)
        async with tenant_tx(seller.tenant_id):
            [job] = await stage_event(seller.tenant_id, "channel.broken", {"channelAccountId": "a-1"})
        with pytest.raises(RetryLater):
            await deliver(seller.tenant_id, job.args[1])

    assert [c.status for c in receiver.calls] == [status]
    assert elsewhere.calls == []
    [entry] = await deliveries(seller.tenant_id)
    assert (entry.status, entry.response_code) == ("pending", status)
    assert entry.last_error == f"the endpoint answered HTTP {status}"
