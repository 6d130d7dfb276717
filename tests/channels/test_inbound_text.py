"""Polled text as the platforms really send it: a NUL, bytes that are not UTF-8 and half an emoji are
stored cleaned, the messages after them too, and the sync moves on — before, one such message failed
the insert on every poll and the account's sync never got past it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.channels.allegro.sync import sync_allegro
from shared.channels.olx.sync import sync_olx
from shared.channels.tables import ChannelAccount
from shared.conversations.tables import Conversation, Message
from shared.tenancy.db import tenant_tx
from tests.channels.conftest import connect

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)
# The fakes answer these bytes where their JSON held the marker: "ł" in ISO-8859-2, not UTF-8.
LEGACY_BYTE = "LEGACY_L"
CUT_EMOJI = "\ud83d"  # the first half of 😀; json.dumps writes it as the escape \ud83d


async def stored(tenant_id, account_id) -> dict[str, tuple[str, str | None]]:
    async with tenant_tx(tenant_id):
        rows = await Message.select(Message.platform_message_id, Message.content, Message.sender_name).where(
            Message.conversation_id.channel_account_id == account_id)
    return {row["platform_message_id"]: (row["content"], row["sender_name"]) for row in rows}


async def watermark(tenant_id, account_id) -> datetime | None:
    async with tenant_tx(tenant_id):
        row = await ChannelAccount.select(ChannelAccount.sync_watermark).where(ChannelAccount.id == account_id).first()
    return row["sync_watermark"]


async def test_allegro_nul_legacy_bytes_and_half_an_emoji_do_not_jam_the_account(allegro):
    tenant, account_id = await connect(allegro, "allegro", "dirty", "allegro-dirty")
    allegro.send_bytes(LEGACY_BYTE, b"\xb3")
    before = allegro.add_message("t-1", "Czy jest w rozmiarze M?", NOW - timedelta(minutes=30))
    nul = allegro.add_message("t-1", "Dzie\x00ń dobry, kiedy wysy" + LEGACY_BYTE + "ka?", NOW - timedelta(minutes=20),
                              buyer="kupuj\x00acy_7")
    emoji = allegro.add_message("t-1", "Super " + CUT_EMOJI, NOW - timedelta(minutes=15))
    after = allegro.add_message("t-2", "A w kolorze czerwonym?", NOW - timedelta(minutes=10), buyer="kupujacy_2")

    report = await sync_allegro(tenant, account_id, rescan=False)

    messages = await stored(tenant, account_id)
    assert report.new_messages == 4 and set(messages) == {before, nul, emoji, after}
    assert messages[nul] == ("Dzień dobry, kiedy wysy\ufffdka?", "kupujacy_7")
    assert messages[emoji][0] == "Super \ufffd"
    assert messages[after][0] == "A w kolorze czerwonym?"
    assert await watermark(tenant, account_id) == max(t.last_message_at for t in allegro.threads.values())
    assert (await sync_allegro(tenant, account_id, rescan=False)).new_messages == 0


async def test_allegro_issue_chat_with_a_nul_is_read(allegro):
    tenant, account_id = await connect(allegro, "allegro", "dirty-issue", "allegro-dirty-issue")
    entry = allegro.add_issue_message("iss-9", "Paczka\x00 uszkodzona", NOW - timedelta(minutes=5))
    await sync_allegro(tenant, account_id, rescan=False)
    assert (await stored(tenant, account_id))[entry][0] == "Paczka uszkodzona"


async def test_olx_nul_legacy_bytes_in_text_and_buyer_name_are_stored_cleaned(olx):
    tenant, account_id = await connect(olx, "olx", "olx-dirty", "olx-dirty")
    olx.send_bytes(LEGACY_BYTE, b"\xb3")
    first = olx.add_message(3, "Czy rower jest jeszcze dost\x00ępny?", NOW - timedelta(minutes=9), buyer="Ania\x00 K.")
    cut = olx.add_message(3, f"Cena do negocjacji? {CUT_EMOJI} Pa{LEGACY_BYTE}ka", NOW - timedelta(minutes=8))
    later = olx.add_message(4, "Czy wysyłka OLX?", NOW - timedelta(minutes=7), buyer="Marek")

    report = await sync_olx(tenant, account_id)

    messages = await stored(tenant, account_id)
    assert report.new_messages == 3 and set(messages) == {first, cut, later}
    assert messages[first] == ("Czy rower jest jeszcze dostępny?", "Ania K.")
    assert messages[cut][0] == "Cena do negocjacji? \ufffd Pa\ufffdka"
    assert messages[later][0] == "Czy wysyłka OLX?"
    assert await watermark(tenant, account_id) is not None
    async with tenant_tx(tenant):
        names = await Conversation.select(Conversation.customer_name).where(
            Conversation.channel_account_id == account_id)
    assert sorted(n["customer_name"] for n in names) == ["Ania K.", "Marek"]
    assert (await sync_olx(tenant, account_id)).threads == 0  # the thread counts were saved: nothing to re-read
