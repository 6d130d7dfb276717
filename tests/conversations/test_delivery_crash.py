"""The worker killed between "sent" and "recorded": the reply never reaches the customer twice."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from shared.broker import enqueue
from shared.conversations import replies
from shared.conversations.delivery import UNCERTAIN
from tests.conversations.support import SECRET, ReplyWorker, customer_writes, generic_channel, reply_row, wait_for
from tests.fakes.generic_receiver import GenericReceiver
from tests.support import serve
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


@pytest.fixture
async def receiver():
    fake = GenericReceiver(SECRET.encode(), hold_responses=True)
    async with serve(fake) as client:
        fake.url = f"{client.base_url}/hook"
        yield fake
        fake.release()


async def crash_mid_delivery(receiver, tmp_path, namespace: str, *, probe: bool) -> tuple[uuid.UUID, uuid.UUID]:
    seller = await seed_tenant(f"crash-{uuid.uuid4().hex[:6]}")
    account = await generic_channel(seller.tenant_id, receiver.url, probe=probe)
    conversation_id, _ = await customer_writes(seller.tenant_id, account, "Gdzie moja paczka?")
    first = ReplyWorker(tmp_path, namespace)
    await first.start()
    try:
        reply = await replies.manual_reply(seller.tenant_id, seller.user_id, conversation_id, "Jest w drodze.")
        # The receiver has accepted the delivery and holds its answer: the worker is between
        # "sent" and "recorded" when it dies.
        await asyncio.wait_for(receiver.holding.wait(), timeout=30)
        first.kill()
    finally:
        first.stop()
    row = await reply_row(seller.tenant_id, reply.id)
    assert (row["status"], row["delivery_attempts"]) == ("sending", 1)
    receiver.hold_responses = False
    receiver.release()

    second = ReplyWorker(tmp_path, namespace)
    await second.start()
    try:
        # The killed worker's job is redelivered by the broker only after its heartbeat times out;
        # enqueueing the same job again is exactly what that redelivery does, without the wait.
        enqueue("replies", "replies.deliver", str(seller.tenant_id), str(reply.id))

        async def settled():
            current = await reply_row(seller.tenant_id, reply.id)
            return current if current["status"] != "sending" else None
        await wait_for(settled)
        await asyncio.sleep(1)  # a second send, if any, would arrive now
    finally:
        second.stop()
    return seller.tenant_id, reply.id


async def test_crash_after_send_is_reconciled_by_the_probe_without_resending(receiver, tmp_path, broker_namespace):
    tenant_id, reply_id = await crash_mid_delivery(receiver, tmp_path, broker_namespace, probe=True)

    row = await reply_row(tenant_id, reply_id)
    assert (row["status"], row["platform_message_id"], row["delivery_attempts"]) == ("sent", "shop-msg-1", 1)
    assert [c.method for c in receiver.calls] == ["POST", "GET"]
    assert len(receiver.deliveries) == 1 and all(c.signature_valid for c in receiver.calls)


async def test_crash_after_send_without_probe_ends_uncertain_not_resent(receiver, tmp_path, broker_namespace):
    tenant_id, reply_id = await crash_mid_delivery(receiver, tmp_path, broker_namespace, probe=False)

    row = await reply_row(tenant_id, reply_id)
    assert (row["status"], row["delivery_error"]) == ("failed", UNCERTAIN)
    assert [c.method for c in receiver.calls] == ["POST"]
    assert len(receiver.deliveries) == 1
