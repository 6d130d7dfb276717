"""Approved replies reach the seller's endpoint once: signed, retried on 429/5xx, dead-lettered on 4xx."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from shared.broker import enqueue
from shared.channels.registry import sender_for
from shared.channels.senders import OutboundReply, PermanentDeliveryError
from shared.conversations import replies
from shared.conversations.delivery import UNCERTAIN
from shared.conversations.tables import Conversation
from shared.tenancy.db import tenant_tx
from tests.conversations.support import ReplyWorker, customer_writes, generic_channel, reply_row, wait_for
from tests.fakes.generic_receiver import served_receiver
from tests.conversations.support import SECRET
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


@pytest.fixture(scope="module")
async def worker(broker_namespace, tmp_path_factory):
    replies_worker = ReplyWorker(tmp_path_factory.mktemp("replies"), broker_namespace)
    await replies_worker.start()
    yield replies_worker
    replies_worker.stop()


@pytest.fixture
async def receiver():
    async with served_receiver(SECRET.encode()) as fake:
        yield fake


async def seller_with_question(receiver, *, probe: bool = False):
    seller = await seed_tenant(f"deliv-{uuid.uuid4().hex[:6]}")
    account = await generic_channel(seller.tenant_id, receiver.url, probe=probe)
    conversation_id, message_id = await customer_writes(seller.tenant_id, account, "Kiedy wyślecie paczkę?")
    seller_with_question.user_id = seller.user_id
    return seller.tenant_id, conversation_id, message_id


async def settled(tenant_id, reply_id, timeout: float = 30.0) -> dict:
    async def done():
        row = await reply_row(tenant_id, reply_id)
        return row if row["status"] in ("sent", "failed") else None
    return await wait_for(done, timeout)


async def test_approved_draft_is_posted_once_signed_and_recorded(worker, receiver):
    tenant_id, conversation_id, message_id = await seller_with_question(receiver)
    draft = await replies.create_ai_reply(tenant_id, message_id, "Wysyłamy jutro do 12:00.")
    assert draft.status == "draft"
    await replies.approve(tenant_id, uuid.uuid4(), draft.id)

    row = await settled(tenant_id, draft.id)
    assert (row["status"], row["delivery_attempts"], row["platform_message_id"]) == ("sent", 1, "shop-msg-1")
    assert row["delivered_at"] is not None and row["delivery_error"] is None
    [call] = receiver.calls
    assert call.signature_valid and call.idempotency_key == row["delivery_idempotency_key"]
    assert call.body["text"] == "Wysyłamy jutro do 12:00." and call.body["conversationId"] == "chat-1"
    assert call.body["replyId"] == str(draft.id) and call.body["inReplyToMessageId"].startswith("in-")


async def test_429_then_success_delivers_once_and_counts_attempts(worker, receiver):
    receiver.respond_with(429, **{"Retry-After": "1"})
    tenant_id, conversation_id, _ = await seller_with_question(receiver)
    reply = await replies.manual_reply(tenant_id, seller_with_question.user_id, conversation_id, "Paczka wyszła dziś.")

    row = await settled(tenant_id, reply.id)
    assert (row["status"], row["delivery_attempts"]) == ("sent", 2)
    posts = [c for c in receiver.calls if c.method == "POST"]
    assert len(posts) == 2 and len({c.idempotency_key for c in posts}) == 1
    assert len(receiver.deliveries) == 1


async def test_4xx_is_a_dead_letter_with_a_readable_reason(worker, receiver):
    receiver.respond_with(422)
    tenant_id, conversation_id, _ = await seller_with_question(receiver)
    reply = await replies.manual_reply(tenant_id, seller_with_question.user_id, conversation_id, "Dzień dobry")

    row = await settled(tenant_id, reply.id)
    assert (row["status"], row["delivery_attempts"]) == ("failed", 1)
    assert "HTTP 422" in row["delivery_error"] and "channel settings" in row["delivery_error"]
    assert receiver.deliveries == []


async def test_5xx_until_retries_are_exhausted_ends_failed(worker, receiver):
    for _ in range(10):
        receiver.respond_with(503)
    tenant_id, conversation_id, _ = await seller_with_question(receiver)
    reply = await replies.manual_reply(tenant_id, seller_with_question.user_id, conversation_id, "Dzień dobry")

    row = await settled(tenant_id, reply.id, timeout=60)
    # REPLIES_DELIVERY_MAX_RETRIES=3 for the test worker: the first try and three retries.
    assert (row["status"], row["delivery_attempts"]) == ("failed", 4)
    assert row["delivery_error"].startswith("Not delivered after 4 attempts (Not delivered yet, retrying: "
                                            "your endpoint answered HTTP 503)")


async def test_approving_twice_at_once_and_duplicate_jobs_send_once(worker, receiver):
    tenant_id, _, message_id = await seller_with_question(receiver)
    draft = await replies.create_ai_reply(tenant_id, message_id, "Tak, mamy na stanie.")
    first, second = await asyncio.gather(replies.approve(tenant_id, uuid.uuid4(), draft.id),
                                         replies.approve(tenant_id, uuid.uuid4(), draft.id))
    assert {first.status, second.status} <= {"approved", "sending", "sent"}
    for _ in range(3):  # redelivered jobs (at-least-once queues) must not send again
        enqueue("replies", "replies.deliver", str(tenant_id), str(draft.id))

    await settled(tenant_id, draft.id)
    await asyncio.sleep(1.5)
    assert len([c for c in receiver.calls if c.method == "POST"]) == 1


async def test_a_second_live_reply_for_one_message_is_a_conflict(receiver):
    tenant_id, _, message_id = await seller_with_question(receiver)
    await replies.create_ai_reply(tenant_id, message_id, "Pierwsza wersja")
    with pytest.raises(replies.ReplyAlreadyExists):
        await replies.create_ai_reply(tenant_id, message_id, "Druga wersja", approved=True)


async def test_private_callback_addresses_are_refused_in_production(receiver, monkeypatch):
    monkeypatch.delenv("GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS", raising=False)
    tenant_id, conversation_id, message_id = await seller_with_question(receiver)
    async with tenant_tx(tenant_id):
        account = await Conversation.select(Conversation.channel_account_id).where(
            Conversation.id == conversation_id).first()
    reply = OutboundReply(tenant_id=tenant_id, message_id=uuid.uuid4(), conversation_id=conversation_id,
                          channel_account_id=account["channel_account_id"], platform="generic",
                          platform_conversation_id="chat-1", text="x", idempotency_key="k",
                          claimed_at=__import__("datetime").datetime.now())
    with pytest.raises(PermanentDeliveryError, match="https"):
        await sender_for("generic").send(reply)
    assert receiver.calls == []


def test_uncertain_message_tells_the_seller_what_to_do():
    assert "Check the conversation on the platform" in UNCERTAIN
