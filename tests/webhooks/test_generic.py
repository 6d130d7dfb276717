"""Generic signed webhook: stored exactly once, one job; forged, stale, replayed and oversized requests refused."""

from __future__ import annotations

import json
import time
import uuid

import pytest

from shared.channels.inbound import CUSTOMER_MESSAGE_ACTOR
from shared.conversations.tables import Message
from shared.inbox.events import PROCESS_ACTOR
from shared.inbox.processing import process_event
from shared.inbox.tables import InboxEvent
from shared.tenancy.db import tenant_tx
from tests.tenancy.seed import seed_tenant
from tests.webhooks.support import add_channel, queued_jobs, signed_headers

pytestmark = pytest.mark.integration


def message_body(message_id: str | None = None, **overrides) -> bytes:
    return json.dumps({
        "messageId": message_id or f"m-{uuid.uuid4().hex[:10]}", "conversationId": "chat-42",
        "text": "Dzień dobry, kiedy wyślecie zamówienie 1234?", "sentAt": "2026-11-20T10:15:00+01:00",
        "customer": {"name": "Anna Nowak"}, "subject": "Zamówienie 1234",
        "attachments": [{"filename": "paragon.pdf", "contentType": "application/pdf", "sizeBytes": 2048}],
        **overrides}).encode()


def url(tenant_id, account_id) -> str:
    return f"/channels/{tenant_id}/{account_id}/messages"


async def test_same_message_delivered_five_times_is_stored_once_with_one_job(webhooks, generic_channel):
    tenant_id, account_id, secret = generic_channel
    body = message_body()
    answers = []
    started = int(time.time())
    for attempt in range(5):
        # A retrying sender signs every delivery anew: a distinct timestamp each time, however slow the
        # machine (int(time.time()) - attempt repeated a timestamp when a second passed between two).
        answers.append(await webhooks.post(url(tenant_id, account_id), content=body,
                                           headers=signed_headers(secret, body, timestamp=started - attempt)))
    assert [a.status_code for a in answers] == [202] * 5
    assert [a.json()["duplicate"] for a in answers] == [False, True, True, True, True]

    async with tenant_tx(tenant_id):
        events = await InboxEvent.select().where(InboxEvent.source == f"generic:{account_id}")
    assert len(events) == 1 and events[0]["status"] == "received"
    assert queued_jobs(PROCESS_ACTOR[0], PROCESS_ACTOR[1], str(tenant_id)) == [(str(tenant_id), str(events[0]["id"]))]

    assert await process_event(str(tenant_id), str(events[0]["id"])) == "processed"
    assert await process_event(str(tenant_id), str(events[0]["id"])) == "processed"  # redelivered job
    async with tenant_tx(tenant_id):
        messages = await Message.select().where(Message.platform_message_id == json.loads(body)["messageId"])
        event = await InboxEvent.select().where(InboxEvent.id == events[0]["id"]).first()
    assert len(messages) == 1
    assert messages[0]["content"].startswith("Dzień dobry") and messages[0]["sender_name"] == "Anna Nowak"
    assert json.loads(messages[0]["attachments"])[0]["filename"] == "paragon.pdf"
    assert (event["status"], event["attempts"], event["processed_at"] is not None) == ("processed", 1, True)
    assert queued_jobs(CUSTOMER_MESSAGE_ACTOR[0], CUSTOMER_MESSAGE_ACTOR[1], str(tenant_id)) == [
        (str(tenant_id), str(messages[0]["id"]))]


async def test_forged_stale_and_unsigned_requests_get_401(webhooks, generic_channel):
    tenant_id, account_id, secret = generic_channel
    body = message_body()
    forged = await webhooks.post(url(tenant_id, account_id), content=body, headers=signed_headers("wrong", body))
    stale = await webhooks.post(url(tenant_id, account_id), content=body,
                                headers=signed_headers(secret, body, timestamp=int(time.time()) - 301))
    future = await webhooks.post(url(tenant_id, account_id), content=body,
                                 headers=signed_headers(secret, body, timestamp=int(time.time()) + 301))
    tampered = await webhooks.post(url(tenant_id, account_id), content=body.replace(b"1234", b"9999"),
                                   headers=signed_headers(secret, body))
    unsigned = await webhooks.post(url(tenant_id, account_id), content=body)
    assert [r.status_code for r in (forged, stale, future, tampered, unsigned)] == [401] * 5
    async with tenant_tx(tenant_id):
        assert await InboxEvent.count().where(InboxEvent.source == f"generic:{account_id}") == 0


async def test_exact_replay_is_refused_with_409(webhooks, generic_channel):
    tenant_id, account_id, secret = generic_channel
    body = message_body()
    headers = signed_headers(secret, body)
    first = await webhooks.post(url(tenant_id, account_id), content=body, headers=headers)
    replay = await webhooks.post(url(tenant_id, account_id), content=body, headers=headers)
    assert first.status_code == 202 and replay.status_code == 409 and "fresh timestamp" in replay.json()["detail"]


async def test_bad_bodies_get_400_and_413(webhooks, generic_channel):
    tenant_id, account_id, secret = generic_channel
    not_json = b"{this is not json"
    missing = json.dumps({"messageId": "x", "text": "hej"}).encode()
    empty_id = message_body(message_id=" ")
    huge = message_body(text="a" * (300 * 1024))
    answers = [await webhooks.post(url(tenant_id, account_id), content=b, headers=signed_headers(secret, b))
               for b in (not_json, missing, empty_id, huge)]
    assert [a.status_code for a in answers] == [400, 400, 400, 413]
    assert all(a.json()["detail"] for a in answers)


async def test_unknown_channel_and_other_sellers_channel_are_404(webhooks, generic_channel):
    tenant_id, account_id, secret = generic_channel
    other = await seed_tenant("hooks-other")
    body = message_body()
    headers = signed_headers(secret, body)
    cases = [
        url(tenant_id, uuid.uuid4()),            # no such channel
        url(other.tenant_id, account_id),         # A's channel under B's tenant id
        url(uuid.uuid4(), account_id),            # no such tenant
        url("not-a-uuid", account_id),
        url(tenant_id, other.rows["channel_accounts"]),  # B's (allegro) channel under A
    ]
    answers = [await webhooks.post(u, content=body, headers=headers) for u in cases]
    assert [a.status_code for a in answers] == [404] * len(cases)
    assert {a.json()["detail"] for a in answers} == {"No such channel."}


async def test_two_sellers_may_use_the_same_message_ids(webhooks, generic_channel):
    tenant_id, account_id, secret = generic_channel
    other = await seed_tenant("hooks-same-ids")
    other_secret = "another-secret"
    other_account = await add_channel(other.tenant_id, "generic", {"webhookSecret": other_secret})
    body = message_body(message_id="order-1")
    mine = await webhooks.post(url(tenant_id, account_id), content=body, headers=signed_headers(secret, body))
    theirs = await webhooks.post(url(other.tenant_id, other_account), content=body,
                                 headers=signed_headers(other_secret, body))
    assert (mine.json()["duplicate"], theirs.json()["duplicate"]) == (False, False)
