"""Polling one OLX account: threads whose message count changed since the last run are re-read.

OLX threads carry no "last message at", but ``total_count``: a thread is read again whenever its
count differs from the one stored after the previous run (new, deleted or late messages all change
it). The counts are saved only after every changed thread is stored, so a crash re-reads, never skips;
recording de-duplicates by OLX's message id.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import UUID

from shared.channels.connection import load_connection, save_sync_state
from shared.channels.ingest import ingest
from shared.channels.errors import PlatformRejected, PlatformUnavailable, RateLimited
from shared.channels.olx import oauth
from shared.channels.olx.client import THREADS_PAGE, OlxClient
from shared.channels.session import AuthorizedSession
from shared.channels.inbound import InboundMessage

logger = logging.getLogger("bokai.channels.olx")

MAX_THREAD_PAGES = 40
# On the first run only recent messages become conversations: months of history would flood the inbox.
FIRST_SYNC_WINDOW = timedelta(hours=72)
COUNTS_KEY = "olxThreadCounts"


async def _buyer_name(session: AuthorizedSession, client: OlxClient, user_id: int | str | None,
                      names: dict[str, str | None]) -> str | None:
    """The buyer's OLX display name (``GET /users/{interlocutor_id}``, once per user and run).

    A name is a nicety: if OLX cannot give it, the message is recorded without one rather than not at all.
    """
    if user_id is None:
        return None
    key = str(user_id)
    if key not in names:
        try:
            names[key] = (await session.call(lambda token: client.user(token, key))).name
        except (PlatformRejected, PlatformUnavailable, RateLimited) as missing:
            logger.info("olx user %s has no readable name: %s", key, type(missing).__name__)
            names[key] = None
    return names[key]


@dataclass
class OlxSyncReport:
    threads: int = 0
    new_messages: int = 0


async def sync_olx(tenant_id: UUID | str, account_id: UUID | str, *, now: datetime | None = None) -> OlxSyncReport:
    connection = await load_connection(tenant_id, account_id, platform="olx")
    now = now or datetime.now(timezone.utc)
    known: dict[str, int] | None = connection.settings.get(COUNTS_KEY)
    since = None if known is not None else now - FIRST_SYNC_WINDOW
    counts = dict(known or {})
    report = OlxSyncReport()
    session = AuthorizedSession(connection, oauth.refresh, "OLX")
    names: dict[str, str | None] = {}
    async with OlxClient() as client:
        seen: set[str] = set()
        for page in range(MAX_THREAD_PAGES):
            threads = await session.call(lambda token: client.threads(token, page * THREADS_PAGE))
            for thread in threads:
                thread_id = str(thread.id)
                if thread_id in seen or counts.get(thread_id) == thread.total_count:
                    continue
                seen.add(thread_id)
                report.threads += 1
                messages = await session.call(lambda token: client.messages(token, thread_id))
                customer: str | None = None
                for message in messages:
                    if message.type != "received" or (since and message.created_at < since):
                        continue
                    customer = customer or await _buyer_name(session, client, thread.interlocutor_id, names)
                    inbound = InboundMessage(
                        platform="olx", conversation_ref=thread_id, message_ref=str(message.id), text=message.text,
                        sent_at=message.created_at, channel_account_id=connection.account_id,
                        customer_name=customer, attachments=message.attachments,
                        meta={"advertId": thread.advert_id, "interlocutorId": thread.interlocutor_id})
                    report.new_messages += await ingest(connection.tenant_id, inbound)
                counts[thread_id] = thread.total_count
            if len(threads) < THREADS_PAGE:
                break
    await save_sync_state(session.connection, watermark=now, settings_patch={COUNTS_KEY: counts})
    logger.info("olx sync of %s: %d threads read, %d new messages", connection.account_id, report.threads,
                report.new_messages)
    return report
