"""Polling one Allegro account: Message Center threads newest-first down to the watermark, plus issues.

Why the window is wider than "since the last run":
- ``lastMessageDateTime`` can lag, so threads are read down to the watermark minus an overlap;
- messages held in Allegro's verification appear days later with their ORIGINAL ``createdAt`` and
  may not move the thread at all, so every ``RESCAN_EVERY`` the run re-reads every message of the
  threads active in the last ``RESCAN_WINDOW``. Re-reading is harmless: recording de-duplicates by
  Allegro's message id.
The watermark moves only after the whole walk is stored: the walk goes newest-first, so moving it
earlier and then crashing would skip the older threads still unread below it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from uuid import UUID

from shared.channels.allegro import oauth
from shared.channels.allegro.client import MESSAGES_PAGE, THREADS_PAGE, AllegroClient, Issue, Message, Thread
from shared.channels.connection import load_connection, save_sync_state
from shared.channels.ingest import ingest
from shared.channels.session import AuthorizedSession
from shared.channels.inbound import ORDER_REF_META_KEY, InboundMessage, order_ref

logger = logging.getLogger("bokai.channels.allegro")

OVERLAP = timedelta(minutes=10)
RESCAN_WINDOW = timedelta(hours=72)
RESCAN_EVERY = timedelta(minutes=30)
FIRST_SYNC_WINDOW = timedelta(hours=72)
MAX_THREAD_PAGES = 50
MAX_MESSAGE_PAGES = 10
MAX_ISSUE_PAGES = 10
# Held or blocked by Allegro: not delivered to the seller (yet); a later run picks them up.
HIDDEN_STATUSES = {"VERIFYING", "BLOCKED"}


@dataclass
class SyncReport:
    threads: int = 0
    new_messages: int = 0
    issues: int = 0
    rescanned: bool = False


class _Run:
    def __init__(self, session: AuthorizedSession, client: AllegroClient, cutoff: datetime, rescan: bool) -> None:
        self.session, self.client, self.cutoff, self.rescan = session, client, cutoff, rescan
        self.report = SyncReport(rescanned=rescan)
        self.tenant_id: UUID = session.connection.tenant_id
        self.account_id: UUID = session.connection.account_id

    async def threads(self) -> datetime | None:
        newest, seen = None, set()
        for page in range(MAX_THREAD_PAGES):
            threads = await self.session.call(lambda token: self.client.threads(token, page * THREADS_PAGE))
            reached_old = False
            for thread in threads:
                if thread.id in seen:  # new threads arriving mid-walk shift the offsets down
                    continue
                seen.add(thread.id)
                if thread.lastMessageDateTime is None or thread.lastMessageDateTime < self.cutoff:
                    reached_old = True
                    break
                await self.thread(thread)
                newest = max(newest or thread.lastMessageDateTime, thread.lastMessageDateTime)
            if reached_old or len(threads) < THREADS_PAGE:
                break
        return newest

    async def thread(self, thread: Thread) -> None:
        self.report.threads += 1
        # A normal run asks only for messages after the cutoff; a re-scan reads the whole thread,
        # because a late-verified message keeps its old createdAt.
        after = None if self.rescan else self.cutoff
        for page in range(MAX_MESSAGE_PAGES):
            messages = await self.session.call(
                lambda token: self.client.messages(token, thread.id, offset=page * MESSAGES_PAGE, after=after))
            for message in messages:
                if message.author.isInterlocutor and message.status not in HIDDEN_STATUSES:
                    await self.record(thread.id, message, thread)
            if len(messages) < MESSAGES_PAGE:
                break

    async def record(self, thread_id: str, message: Message, thread: Thread) -> None:
        customer = message.author.login or (thread.interlocutor.login if thread.interlocutor else None)
        inbound = InboundMessage(
            platform="allegro", conversation_ref=thread_id, message_ref=message.id, text=message.text,
            sent_at=message.createdAt, channel_account_id=self.account_id, customer_name=customer,
            subject=message.subject,
            attachments=[{"fileName": a.fileName, "url": a.url} for a in message.attachments],
            meta={"source": "messaging", "allegroType": message.type, **self._order(message)})
        self.report.new_messages += await ingest(self.tenant_id, inbound)

    def _order(self, message: Message) -> dict:
        order = message.relatesTo.order if message.relatesTo else None
        return {ORDER_REF_META_KEY: order_ref("allegro", order.id, self.account_id)} if order and order.id else {}

    async def issues(self) -> None:
        for page in range(MAX_ISSUE_PAGES):
            issues = await self.session.call(lambda token: self.client.issues(token, page * 100))
            for issue in issues:
                if self._issue_changed(issue):
                    await self.issue(issue)
            if len(issues) < 100:
                break

    def _issue_changed(self, issue: Issue) -> bool:
        last = issue.chat.lastMessage.createdAt if issue.chat and issue.chat.lastMessage else None
        return last is None or last >= self.cutoff

    async def issue(self, issue: Issue) -> None:
        self.report.issues += 1
        chat = await self.session.call(lambda token: self.client.issue_chat(token, issue.id))
        for entry in chat:
            if entry.author.role != "BUYER":
                continue
            inbound = InboundMessage(
                platform="allegro", conversation_ref=f"issue:{issue.id}", message_ref=entry.id, text=entry.text,
                sent_at=entry.createdAt, channel_account_id=self.account_id,
                customer_name=entry.author.login or (issue.buyer.login if issue.buyer else None),
                subject=issue.subject, meta={"source": "issue", "issueId": issue.id, **(
                    {ORDER_REF_META_KEY: order_ref("allegro", issue.checkoutForm.id, self.account_id)}
                    if issue.checkoutForm and issue.checkoutForm.id else {})})
            self.report.new_messages += await ingest(self.tenant_id, inbound)


async def sync_allegro(tenant_id: UUID | str, account_id: UUID | str, *, rescan: bool | None = None,
                       now: datetime | None = None, client: AllegroClient | None = None) -> SyncReport:
    connection = await load_connection(tenant_id, account_id, platform="allegro")
    now = now or datetime.now(timezone.utc)
    if rescan is None:
        last = connection.settings.get("lastRescanAt")
        rescan = last is None or now - datetime.fromisoformat(last) >= RESCAN_EVERY
    cutoff = connection.sync_watermark - OVERLAP if connection.sync_watermark else now - FIRST_SYNC_WINDOW
    if rescan:
        cutoff = min(cutoff, now - RESCAN_WINDOW)
    session = AuthorizedSession(connection, oauth.refresh, "Allegro")
    own_client = client is None
    client = client or AllegroClient()
    try:
        run = _Run(session, client, cutoff, rescan)
        newest = await run.threads()
        await run.issues()
    finally:
        if own_client:
            await client.aclose()
    await save_sync_state(session.connection, watermark=newest,
                          settings_patch={"lastRescanAt": now.isoformat()} if rescan else None)
    logger.info("allegro sync of %s: %d threads, %d issues, %d new messages%s", connection.account_id,
                run.report.threads, run.report.issues, run.report.new_messages, " (re-scan)" if rescan else "")
    return run.report
