"""Polling Allegro: late-verified messages, duplicates across pages, 429s, issues — each stored once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.channels.allegro.sync import sync_allegro
from shared.channels.errors import PlatformUnavailable
from shared.channels.tables import ChannelAccount
from shared.conversations.tables import Conversation, Message
from shared.tenancy.db import tenant_tx
from tests.channels.conftest import connect

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)


async def stored(tenant_id, account_id) -> dict[str, datetime]:
    """Customer messages polled for this account (the seeded tenant has an unrelated one)."""
    async with tenant_tx(tenant_id):
        rows = await Message.select(Message.platform_message_id, Message.sent_at).where(
            Message.conversation_id.channel_account_id == account_id)
    return {row["platform_message_id"]: row["sent_at"] for row in rows}


async def account(tenant_id, account_id) -> dict:
    async with tenant_tx(tenant_id):
        return await ChannelAccount.select().where(ChannelAccount.id == account_id).first()


async def test_late_verified_message_with_old_timestamp_is_ingested_by_the_rescan(allegro):
    tenant, account_id = await connect(allegro, "allegro", "late", "allegro-late")
    first = allegro.add_message("t-1", "Czy jest w rozmiarze M?", NOW - timedelta(days=2))
    held = allegro.add_message("t-1", "A w kolorze czerwonym?", NOW - timedelta(days=2) + timedelta(minutes=5),
                               held=True)
    newer = allegro.add_message("t-2", "Kiedy wysyłka?", NOW - timedelta(minutes=1), buyer="kupujacy_2")
    await sync_allegro(tenant, account_id, rescan=False)
    assert set(await stored(tenant, account_id)) == {first, newer}

    # Allegro releases the held message days later; the thread's lastMessageDateTime does not move,
    # so the normal window (watermark minus the overlap) cannot see it.
    allegro.release(held)
    await sync_allegro(tenant, account_id, rescan=False)
    assert set(await stored(tenant, account_id)) == {first, newer}

    report = await sync_allegro(tenant, account_id, rescan=True)
    messages = await stored(tenant, account_id)
    assert report.rescanned and set(messages) == {first, newer, held}
    assert messages[held] == allegro._message(held).created_at  # its original createdAt, not "now"
    async with tenant_tx(tenant):
        assert await Conversation.count().where(Conversation.channel_account_id == account_id) == 2


async def test_rescan_happens_by_itself_when_due(allegro):
    tenant, account_id = await connect(allegro, "allegro", "due", "allegro-due")
    allegro.add_message("t-1", "Pytanie", NOW - timedelta(hours=1))
    assert (await sync_allegro(tenant, account_id)).rescanned  # first run: nothing rescanned yet
    assert not (await sync_allegro(tenant, account_id)).rescanned
    # From the real clock: NOW was taken at import, possibly minutes before this test runs.
    later = datetime.now(timezone.utc) + timedelta(minutes=31)
    assert (await sync_allegro(tenant, account_id, now=later)).rescanned


async def test_duplicates_across_pages_and_polls_are_stored_once(allegro):
    tenant, account_id = await connect(allegro, "allegro", "dups", "allegro-dups")
    allegro.overlap_pages = True
    for thread in range(45):  # three pages of threads
        allegro.add_message(f"t-{thread}", f"Pytanie {thread}", NOW - timedelta(minutes=thread + 1))
    for n in range(30):  # two pages of messages in one thread
        allegro.add_message("t-0", f"Kolejne {n}", NOW - timedelta(seconds=n + 1))
    first = await sync_allegro(tenant, account_id)
    second = await sync_allegro(tenant, account_id, rescan=True)
    assert first.new_messages == 75 and second.new_messages == 0
    assert len(await stored(tenant, account_id)) == 75
    row = await account(tenant, account_id)
    assert row["sync_watermark"] == max(t.last_message_at for t in allegro.threads.values())


async def test_429_backs_off_and_nothing_is_lost(allegro):
    tenant, account_id = await connect(allegro, "allegro", "429", "allegro-429")
    for n in range(3):
        allegro.add_message(f"t-{n}", f"Pytanie {n}", NOW - timedelta(minutes=n + 1))
    allegro.fail(r"/messaging/threads$", 429, times=2, headers={"retry-after": "0.2"},
                 body={"errors": [{"code": "TooManyRequestsException", "message": "Too many requests"}]})
    allegro.fail(r"/messages$", 503, times=1, method="GET", raw=b"<html>Service Unavailable</html>")
    report = await sync_allegro(tenant, account_id)
    assert report.new_messages == 3 and len(await stored(tenant, account_id)) == 3
    assert allegro.requests_to("GET", r"/messaging/threads$") >= 3


async def test_garbage_body_fails_the_run_without_moving_the_watermark(allegro):
    tenant, account_id = await connect(allegro, "allegro", "garbage", "allegro-garbage")
    allegro.add_message("t-1", "Pytanie", NOW - timedelta(minutes=5))
    allegro.fail(r"/messaging/threads$", 200, times=1, raw=b"{\"threads\": \"nie-lista\"}")
    with pytest.raises(PlatformUnavailable):
        await sync_allegro(tenant, account_id)
    assert (await account(tenant, account_id))["sync_watermark"] is None
    assert (await sync_allegro(tenant, account_id)).new_messages == 1


async def test_deleted_message_stays_stored_and_seller_messages_are_not_customer_messages(allegro):
    tenant, account_id = await connect(allegro, "allegro", "deleted", "allegro-deleted")
    question = allegro.add_message("t-1", "Pytanie", NOW - timedelta(minutes=5))
    allegro.add_message("t-1", "Odpowiedź sprzedawcy", NOW - timedelta(minutes=4), from_buyer=False)
    gone = allegro.add_message("t-1", "Usunięta", NOW - timedelta(minutes=3))
    allegro.delete(gone)
    await sync_allegro(tenant, account_id)
    assert set(await stored(tenant, account_id)) == {question}
    allegro.delete(question)
    await sync_allegro(tenant, account_id, rescan=True)
    assert set(await stored(tenant, account_id)) == {question}


async def test_purchase_issue_chats_are_read(allegro):
    tenant, account_id = await connect(allegro, "allegro", "issues", "allegro-issues")
    buyer = allegro.add_issue_message("iss-1", "Paczka przyszła uszkodzona", NOW - timedelta(minutes=30))
    allegro.add_issue_message("iss-1", "Przepraszamy", NOW - timedelta(minutes=20), role="SELLER")
    await sync_allegro(tenant, account_id)
    await sync_allegro(tenant, account_id, rescan=True)
    async with tenant_tx(tenant):
        conversation = await Conversation.select().where(Conversation.platform_conversation_id == "issue:iss-1").first()
    assert conversation["subject"] == "Produkt uszkodzony"
    assert set(await stored(tenant, account_id)) == {buyer}
