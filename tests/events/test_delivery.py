"""Events reach a real receiver exactly as docs/events.md documents them, signed; a receiver
that is down or answers 500 gets them once it is back, while replies keep being sent; retries end
with the delivery failed and the endpoint failing, and a redelivery then succeeds."""

from __future__ import annotations

import io
import re
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from shared.channels.connection import mark_dead
from shared.channels.tables import ChannelAccount
from shared.conversations import replies
from shared.conversations.handoff import leave_for_human
from shared.events import service
from shared.events.delivery import deliver
from shared.events.emit import stage_event
from shared.events.tables import EventDelivery
from shared.knowledge.ingestion import ingest_document
from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.tables import KnowledgeDocument
from shared.tenancy.db import tenant_tx, tx_connection
from tests.conversations.support import ROOT, SECRET, customer_writes, generic_channel, reply_row, wait_for
from tests.events.receiver import EventReceiver, listening, verify
from tests.events.support import LOCAL, EventWorker, add_endpoint, deliveries, fresh_seller
from tests.fakes.generic_receiver import served_receiver


pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
MAX_RETRIES = 6


@pytest.fixture(scope="module", autouse=True)
def local_urls():
    patch = pytest.MonkeyPatch()
    for name, value in LOCAL.items():
        patch.setenv(name, value)
    yield
    patch.undo()


@pytest.fixture(scope="module")
async def worker(broker_namespace, tmp_path_factory):
    events_worker = EventWorker(tmp_path_factory.mktemp("events"), broker_namespace,
                                EVENTS_WEBHOOK_MAX_RETRIES=str(MAX_RETRIES))
    await events_worker.start()
    yield events_worker
    events_worker.stop()


@pytest.fixture
async def shop():
    """The seller's shop for the generic channel, where replies are delivered."""
    async with served_receiver(SECRET.encode()) as fake:
        yield fake


def moment(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None and abs(datetime.now(timezone.utc) - parsed) < timedelta(minutes=5), value
    return parsed


def check_envelope(receiver: EventReceiver, event: dict, tenant_id: uuid.UUID) -> dict:
    """The documented envelope and headers; returns `data`."""
    [call] = [c for c in receiver.calls if c.event["id"] == event["id"] and c.status == 200]
    assert call.signature_valid
    assert call.headers["idempotency-key"] == event["id"] and call.headers["x-bokai-event"] == event["type"]
    assert call.headers["content-type"] == "application/json"
    assert set(event) == {"id", "type", "createdAt", "tenantId", "data"}
    assert uuid.UUID(event["id"]) and event["tenantId"] == str(tenant_id)
    moment(event["createdAt"])
    return event["data"]


async def delivered(receiver: EventReceiver, event_type: str, count: int = 1, timeout: float = 45) -> list[dict]:
    async def arrived():
        events = receiver.of_type(event_type)
        return events if len(events) >= count else None
    return await wait_for(arrived, timeout)


async def add_document(stores: KnowledgeStores, tenant_id, data: bytes, filename: str) -> uuid.UUID:
    document_id = uuid.uuid4()
    key = f"documents/{document_id}/{filename}"
    await stores.objects(tenant_id).put(key, io.BytesIO(data), length=len(data))
    async with tenant_tx(tenant_id):
        await KnowledgeDocument.insert(KnowledgeDocument(id=document_id, tenant_id=tenant_id, title=filename,
                                                         filename=filename, object_key=key, size_bytes=len(data)))
    return document_id


async def test_every_event_type_arrives_as_documented(worker, shop):
    seller = await fresh_seller("ev-all")
    tenant = seller.tenant_id
    receiver = EventReceiver()
    async with listening(receiver):
        endpoint_id, receiver.secret = await add_endpoint(tenant, receiver.url)
        account = await generic_channel(tenant, shop.url)

        # conversation.needs_human, then a draft the seller approves: reply.drafted, reply.sent
        conversation, message = await customer_writes(tenant, account, "Paczka przyszła uszkodzona", thread="t-1")
        assert await leave_for_human(tenant, message, "damaged_in_transit")
        [needs_human] = await delivered(receiver, "conversation.needs_human")
        draft = await replies.create_ai_reply(tenant, message, "Przepraszamy, wyślemy nową.")
        [drafted] = await delivered(receiver, "reply.drafted")
        await replies.approve(tenant, seller.user_id, draft.id)
        [sent] = await delivered(receiver, "reply.sent")

        # reply.failed: the shop refuses the next reply (a 4xx is final)
        shop.respond_with(422)
        other_conversation, other_message = await customer_writes(tenant, account, "Halo?", thread="t-2")
        refused = await replies.manual_reply(tenant, seller.user_id, other_conversation, "Dzień dobry")
        [failed] = await delivered(receiver, "reply.failed")

        # channel.broken: an Allegro connection whose authorisation was revoked
        allegro = ChannelAccount(tenant_id=tenant, platform="allegro", external_account_id="allegro-ev",
                                 status="connected")
        async with tenant_tx(tenant):
            await allegro.save()
        await mark_dead(tenant, allegro.id, "Allegro no longer accepts BOK-AI's access to this account.")
        [broken] = await delivered(receiver, "channel.broken")

        # document.ingested: one document indexed, one that cannot be read
        stores = await KnowledgeStores.open()
        try:
            good = await add_document(stores, tenant, "Zwroty\n\nTowar można zwrócić w ciągu 14 dni.".encode(),
                                      "zwroty.txt")
            bad = await add_document(stores, tenant, b"\x00\x01binary\x00", "zepsuty.bin")
            assert await ingest_document(stores, tenant, good) == "ready"
            assert await ingest_document(stores, tenant, bad) == "failed"
        finally:
            await stores.close()
        ingested = await delivered(receiver, "document.ingested", 2)

    assert check_envelope(receiver, needs_human, tenant) | {"handedOverAt": None} == {
        "conversationId": str(conversation), "messageId": str(message), "reason": "damaged_in_transit",
        "platform": "generic", "channelAccountId": str(account), "handedOverAt": None}
    moment(needs_human["data"]["handedOverAt"])
    assert check_envelope(receiver, drafted, tenant) | {"draftedAt": None} == {
        "replyId": str(draft.id), "conversationId": str(conversation), "inReplyToMessageId": str(message),
        "platform": "generic", "draftedAt": None}
    assert check_envelope(receiver, sent, tenant) | {"deliveredAt": None} == {
        "replyId": str(draft.id), "conversationId": str(conversation), "inReplyToMessageId": str(message),
        "platform": "generic", "author": "ai", "deliveredAt": None}
    assert moment(sent["data"]["deliveredAt"]) == (await reply_row(tenant, draft.id))["delivered_at"]
    assert check_envelope(receiver, failed, tenant) | {"failedAt": None} == {
        "replyId": str(refused.id), "conversationId": str(other_conversation),
        "inReplyToMessageId": str(other_message), "platform": "generic", "reason": "refused", "failedAt": None}
    moment(failed["data"]["failedAt"])
    assert check_envelope(receiver, broken, tenant) | {"brokenAt": None} == {
        "channelAccountId": str(allegro.id), "platform": "allegro", "reason": "connection_dead", "brokenAt": None}
    by_document = {e["data"]["documentId"]: check_envelope(receiver, e, tenant) for e in ingested}
    assert {d: (v["status"], v["chunkCount"]) for d, v in by_document.items()} == {
        str(good): ("ready", 1), str(bad): ("failed", 0)}

    # No message text in any event: the seller's backend reads it through the API.
    for call in receiver.calls:
        for text in ("Paczka przyszła", "Przepraszamy", "Dzień dobry", "Zwroty", "14 dni"):
            assert text.encode() not in call.body
    log = await deliveries(tenant, endpoint_id=endpoint_id)
    assert len(log) == 7 and {d.status for d in log} == {"delivered"}
    assert {(d.attempts, d.response_code) for d in log} == {(1, 200)}
    assert sorted(str(d.event_id) for d in log) == sorted(e["id"] for e in receiver.accepted)


async def test_a_receiver_that_is_down_gets_the_event_when_back_and_replies_go_on(worker, shop):
    seller = await fresh_seller("ev-down")
    tenant = seller.tenant_id
    receiver = EventReceiver()  # not listening yet: connections to its port are refused
    endpoint_id, receiver.secret = await add_endpoint(tenant, receiver.url, ["reply.sent"])
    account = await generic_channel(tenant, shop.url)
    conversation, _ = await customer_writes(tenant, account, "Kiedy wysyłka?")

    reply = await replies.manual_reply(tenant, seller.user_id, conversation, "Jutro rano.")

    async def retried():
        log = await deliveries(tenant)
        return log[0] if log and log[0].attempts >= 2 else None
    waiting = await wait_for(retried, 30)
    assert (waiting.status, waiting.response_code) == ("pending", None)
    assert waiting.last_error.startswith("no answer")
    assert (await reply_row(tenant, reply.id))["status"] == "sent" and len(shop.deliveries) == 1

    async with listening(receiver):
        [event] = await delivered(receiver, "reply.sent")
    assert event["data"]["replyId"] == str(reply.id) and receiver.calls[0].signature_valid
    [entry] = await deliveries(tenant)
    assert (entry.status, entry.response_code, entry.last_error, entry.endpoint_id) == (
        "delivered", 200, None, endpoint_id)
    assert entry.attempts >= 2 and entry.delivered_at is not None


async def test_500s_are_retried_with_the_same_idempotency_key_and_delivered_once(worker):
    seller = await fresh_seller("ev-500")
    receiver = EventReceiver(scripted=[500, 503])
    async with listening(receiver):
        _, receiver.secret = await add_endpoint(seller.tenant_id, receiver.url)
        _, message = await customer_writes(seller.tenant_id, None, "Chcę zwrócić towar")
        assert await leave_for_human(seller.tenant_id, message, "return_request")
        [event] = await delivered(receiver, "conversation.needs_human")

    assert [c.status for c in receiver.calls] == [500, 503, 200]
    assert {c.headers["idempotency-key"] for c in receiver.calls} == {event["id"]}
    assert all(c.signature_valid for c in receiver.calls)
    [entry] = await deliveries(seller.tenant_id)
    assert (entry.status, entry.attempts, entry.response_code, entry.last_error) == ("delivered", 3, 200, None)


async def test_exhausted_retries_mark_the_endpoint_failing_and_a_redelivery_succeeds(worker):
    seller = await fresh_seller("ev-fail")
    receiver = EventReceiver(scripted=[500] * (MAX_RETRIES + 1))
    async with listening(receiver):
        endpoint_id, receiver.secret = await add_endpoint(seller.tenant_id, receiver.url)
        _, message = await customer_writes(seller.tenant_id, None, "Gdzie moja paczka?")
        assert await leave_for_human(seller.tenant_id, message, "lost_parcel")

        async def gave_up():
            log = await deliveries(seller.tenant_id)
            return log[0] if log and log[0].status == "failed" else None
        failed = await wait_for(gave_up, 60)
        assert (failed.attempts, failed.response_code) == (MAX_RETRIES + 1, 500)
        assert failed.last_error == "the endpoint answered HTTP 500"
        endpoint = await service.get_endpoint(seller.tenant_id, endpoint_id)
        assert endpoint.state == "failing" and endpoint.failing_since is not None
        assert receiver.accepted == []

        again = await service.redeliver(seller.tenant_id, failed.id)
        assert again.status == "pending"
        [event] = await delivered(receiver, "conversation.needs_human")

    assert str(failed.event_id) == event["id"] == receiver.calls[0].headers["idempotency-key"]
    [entry] = await deliveries(seller.tenant_id)
    assert (entry.status, entry.response_code) == ("delivered", 200)
    assert (await service.get_endpoint(seller.tenant_id, endpoint_id)).state == "active"


async def test_the_log_keeps_a_month_of_finished_deliveries(worker):
    seller = await fresh_seller("ev-trim")
    receiver = EventReceiver()
    now = datetime.now(timezone.utc)
    async with listening(receiver):
        endpoint_id, receiver.secret = await add_endpoint(seller.tenant_id, receiver.url)
        old = {status: EventDelivery(tenant_id=seller.tenant_id, endpoint_id=endpoint_id, event_id=uuid.uuid4(),
                                     event_type="reply.sent", status=status, created_at=now - timedelta(days=31))
               for status in ("delivered", "failed", "pending")}
        recent = EventDelivery(tenant_id=seller.tenant_id, endpoint_id=endpoint_id, event_id=uuid.uuid4(),
                               event_type="reply.sent", status="delivered", created_at=now - timedelta(days=29))
        async with tenant_tx(seller.tenant_id):
            await EventDelivery.insert(*old.values(), recent)
        _, message = await customer_writes(seller.tenant_id, None, "Czy mogę zmienić adres?")
        assert await leave_for_human(seller.tenant_id, message, "order_change")
        [event] = await delivered(receiver, "conversation.needs_human")

    kept = {d.id for d in await deliveries(seller.tenant_id)}
    assert kept == {old["pending"].id, recent.id, *(d.id for d in await deliveries(
        seller.tenant_id, event_type="conversation.needs_human"))}
    assert str(event["id"]) in {str(d.event_id) for d in await deliveries(seller.tenant_id)}


async def test_a_rotated_secret_signs_beside_the_old_one_until_the_overlap_ends(worker, monkeypatch):
    seller = await fresh_seller("ev-rotate")
    receiver = EventReceiver()
    async with listening(receiver):
        endpoint_id, first = await add_endpoint(seller.tenant_id, receiver.url, ["conversation.needs_human"])
        receiver.secret = first  # the receiver has not switched yet
        second = (await service.rotate_secret(seller.tenant_id, endpoint_id)).signing_secret
        _, message = await customer_writes(seller.tenant_id, None, "Reklamuję buty", thread="r-1")
        assert await leave_for_human(seller.tenant_id, message, "complaint")
        [during] = await delivered(receiver, "conversation.needs_human")

        monkeypatch.setenv("EVENTS_WEBHOOK_ROTATION_OVERLAP_SECONDS", "0")
        third = (await service.rotate_secret(seller.tenant_id, endpoint_id)).signing_secret
        receiver.secret = third
        _, message = await customer_writes(seller.tenant_id, None, "Gdzie zwrot pieniędzy?", thread="r-2")
        assert await leave_for_human(seller.tenant_id, message, "payment_problem")
        [_, after] = await delivered(receiver, "conversation.needs_human", 2)

    assert len({first, second, third}) == 3
    [call_during] = [c for c in receiver.calls if c.event["id"] == during["id"]]
    assert len(call_during.headers["x-bokai-signature"].split(",")) == 2
    assert verify(first, call_during.headers, call_during.body) and verify(second, call_during.headers, call_during.body)
    [call_after] = [c for c in receiver.calls if c.event["id"] == after["id"]]
    assert "," not in call_after.headers["x-bokai-signature"]
    assert verify(third, call_after.headers, call_after.body) and not verify(second, call_after.headers, call_after.body)


def readme_verifier():
    """The Python of docs/events.md, run as a seller would copy it."""
    section = (ROOT / "docs" / "events.md").read_text()
    [snippet] = re.findall(r"```python\n(.*?)```", section, re.S)
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 — our own documentation
    return namespace["bokai_event_is_genuine"]


async def test_the_readme_recipe_accepts_our_deliveries_and_nothing_forged(worker):
    seller = await fresh_seller("ev-readme")
    receiver = EventReceiver()
    async with listening(receiver):
        _, receiver.secret = await add_endpoint(seller.tenant_id, receiver.url, ["conversation.needs_human"])
        _, message = await customer_writes(seller.tenant_id, None, "Nie działa mi ładowarka")
        assert await leave_for_human(seller.tenant_id, message, "defect")
        await delivered(receiver, "conversation.needs_human")

    genuine = readme_verifier()
    [call] = receiver.calls
    headers = httpx.Headers(call.headers)  # header names are case-insensitive, as in any web framework
    assert genuine(receiver.secret, headers, call.body)
    assert not genuine("whsec_someone-else", headers, call.body)
    assert not genuine(receiver.secret, headers, call.body.replace(b"defect", b"angry"))


async def test_an_address_that_turned_private_is_refused_at_delivery_and_the_endpoint_fails(monkeypatch):
    seller = await fresh_seller("ev-rebind")
    endpoint_id, _ = await add_endpoint(seller.tenant_id, "https://hooks.sklep-lodz.pl/events")
    async with tenant_tx(seller.tenant_id):
        # What a host name re-pointed at our own network looks like by the time we deliver.
        await tx_connection().execute("UPDATE event_endpoints SET url = 'https://127.0.0.1/events'")
        [job] = await stage_event(seller.tenant_id, "channel.broken", {"channelAccountId": "a-1"})
    monkeypatch.setenv("EVENTS_WEBHOOK_ALLOW_PRIVATE_URLS", "false")  # production rules

    assert await deliver(seller.tenant_id, job.args[1]) == "refused"
    [entry] = await deliveries(seller.tenant_id)
    assert (entry.status, entry.attempts, entry.response_code) == ("failed", 1, None)
    assert "public address" in entry.last_error
    assert (await service.get_endpoint(seller.tenant_id, endpoint_id)).state == "failing"


async def test_a_reply_whose_retries_run_out_is_announced_as_failed(worker, shop):
    seller = await fresh_seller("ev-reply-dead")
    receiver = EventReceiver()
    async with listening(receiver):
        _, receiver.secret = await add_endpoint(seller.tenant_id, receiver.url, ["reply.failed", "reply.sent"])
        account = await generic_channel(seller.tenant_id, shop.url)
        for _ in range(10):
            shop.respond_with(503)  # the shop is down for longer than the reply's retries (3 in the test worker)
        conversation, message = await customer_writes(seller.tenant_id, account, "Jest faktura?")
        reply = await replies.manual_reply(seller.tenant_id, seller.user_id, conversation, "Tak, w paczce.")
        [failed] = await delivered(receiver, "reply.failed")

    assert failed["data"] | {"failedAt": None} == {
        "replyId": str(reply.id), "conversationId": str(conversation), "inReplyToMessageId": str(message),
        "platform": "generic", "reason": "retries_exhausted", "failedAt": None}
    assert (await reply_row(seller.tenant_id, reply.id))["status"] == "failed"
    assert receiver.of_type("reply.sent") == []
