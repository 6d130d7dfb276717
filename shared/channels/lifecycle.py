"""Pausing, resuming and testing a channel account (the channels API's per-account actions).

**Paused**: BOK-AI stops polling the platform (the fan-out lists connected accounts only) and sends
nothing through the channel (a reply fails at once with a message saying the channel is paused);
webhooks and forwarded mail are still accepted and recorded, so no customer message is lost while
paused, and the AI generates nothing for them (nothing is billed). Resuming polls a polled platform at
once, from where it stopped, and hands every conversation of the channel whose newest customer message
is still unanswered back to the AI — its jobs staged in the same transaction as the status change.

**Send a test message** proves, per kind, the part that can break without anyone noticing:

| kind | what the test does |
|---|---|
| email (also Amazon- and eMAG-bound mailboxes) | sends a real e-mail from the sender address to itself through the seller's SMTP server; with IMAP configured, it must then appear in the Sent folder (``imapSentVerified``: interrupted replies are reconciled there) |
| generic | a signed ``POST callbackUrl`` with ``{"type": "test"}``; any 2xx is a pass (receivers must not show it to anyone) |
| allegro, olx | an authenticated read of the account and the first page of message threads (neither platform lets a seller message themselves) |
| emag | ``order/count`` with the API user (proves the password, API rights and the IP allow-list) |

The outcome is returned and kept in ``settings.lastTest`` so the channel list shows it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime, timezone
from uuid import UUID

import msgspec

from shared.channels.connection import SYNC_ACTOR, Connection, load_connection
from shared.channels.errors import NotConnected, PlatformError
from shared.channels.schemas import AccountView, ConnectionTest
from shared.channels.senders import PermanentDeliveryError, TransientDeliveryError
from shared.channels.inbound import CUSTOMER_MESSAGE_ACTOR
from shared.channels.service import LAST_TEST_KEY, get_account
from shared.outbox.staging import publish, stage
from shared.settings import load
from shared.tenancy.db import tenant_tx, tx_connection

POLLED = ("allegro", "olx")


class NotAllowed(Exception):
    """The account is in a state the action does not apply to (409, with this text)."""


async def _current_status(tenant_id: UUID, account_id: UUID) -> str | None:
    async with tenant_tx(tenant_id):
        return await tx_connection().fetchval("SELECT status FROM channel_accounts WHERE id = $1", account_id)


# The newest customer message of each open conversation of the channel that nothing answers yet and
# no person has taken: what the AI skipped while the channel was paused.
_WAITING_FOR_AI = """
SELECT DISTINCT ON (c.id) m.id
  FROM conversations c JOIN messages m ON m.conversation_id = c.id
 WHERE c.channel_account_id = $1 AND c.status = 'open' AND c.ai_mode IS DISTINCT FROM 'off'
 ORDER BY c.id, m.created_at DESC, m.id DESC
"""
_UNANSWERED = """
SELECT id FROM messages m
 WHERE m.id = ANY($1::uuid[]) AND m.direction = 'inbound'
   AND NOT EXISTS (SELECT 1 FROM messages r WHERE r.in_reply_to_id = m.id AND r.status <> 'discarded')
"""


async def _move(tenant_id: UUID, account_id: UUID, source: str, target: str) -> AccountView | None:
    jobs = []
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        moved = await connection.fetchval(
            "UPDATE channel_accounts SET status = $3, updated_at = now() WHERE id = $1 AND status = $2 "
            "RETURNING platform", account_id, source, target)
        if moved is not None and target == "connected":
            if moved in POLLED:
                jobs.append(await stage(tenant_id, *SYNC_ACTOR, str(tenant_id), str(account_id)))
            newest = [r["id"] for r in await connection.fetch(_WAITING_FOR_AI, account_id)]
            for row in await connection.fetch(_UNANSWERED, newest):
                jobs.append(await stage(tenant_id, *CUSTOMER_MESSAGE_ACTOR, str(tenant_id), str(row["id"])))
    if moved is None:
        status = await _current_status(tenant_id, account_id)
        if status is None:
            return None
        raise NotAllowed(f"Only a {source} channel can be {'paused' if target == 'paused' else 'resumed'}; "
                         f"this one is {status}." + (" Connect it again instead." if status in ("error", "disconnected")
                                                     else ""))
    await publish(*jobs)  # after the commit; the outbox relay sends them if Redis is away now
    return await get_account(tenant_id, account_id)


async def pause(tenant_id: UUID, account_id: UUID) -> AccountView | None:
    return await _move(tenant_id, account_id, "connected", "paused")


async def resume(tenant_id: UUID, account_id: UUID) -> AccountView | None:
    return await _move(tenant_id, account_id, "paused", "connected")


# --- "send a test message" ------------------------------------------------------------------------
SENT_FOLDER_WAIT_SECONDS = 10.0


async def _test_email(connection: Connection) -> str | tuple[str, dict]:
    """The test mail goes out by SMTP; with IMAP configured it must then appear in the Sent folder, which
    is what makes an interrupted reply reconcilable (``imapSentVerified``)."""
    from shared.channels.email import sent_folder
    from shared.channels.email.sender import EmailChannelSettings, self_test_message, submit

    settings, credentials = connection.settings, connection.credentials
    message = self_test_message(settings)
    await submit(message, settings, credentials)
    sent = f"A test e-mail went from {message['From']} to itself through {settings.get('smtpHost')}."
    if not settings.get("imapHost"):
        return sent
    allow_private = load(EmailChannelSettings).allow_private_smtp_hosts
    deadline = asyncio.get_running_loop().time() + SENT_FOLDER_WAIT_SECONDS
    try:
        # Providers file a submitted message within moments; ask a few times before concluding.
        while not await sent_folder.in_sent_folder(settings, credentials, message["Message-ID"],
                                                   allow_private=allow_private):
            if asyncio.get_running_loop().time() > deadline:
                return (f"{sent} It did not appear in the Sent folder, so an interrupted reply will end as "
                        f"'delivery uncertain' instead of being looked up there.", {sent_folder.VERIFIED_KEY: False})
            await asyncio.sleep(1.0)
    except sent_folder.SentFolderError as unreadable:
        raise PermanentDeliveryError(f"{sent} But the Sent folder could not be read: {unreadable}.") from None
    return (f"{sent} It appeared in the Sent folder: an interrupted reply is looked up there before any "
            "second send.", {sent_folder.VERIFIED_KEY: True})


async def _test_generic(connection: Connection) -> str:
    from shared.channels.generic.sender import send_test_callback

    return await send_test_callback(connection.tenant_id, connection.account_id)


async def _test_allegro(connection: Connection) -> str:
    from shared.channels.allegro import oauth
    from shared.channels.allegro.client import AllegroClient

    return await _test_polled(connection, "Allegro", oauth.refresh, AllegroClient, lambda me: me.login)


async def _test_olx(connection: Connection) -> str:
    from shared.channels.olx import oauth
    from shared.channels.olx.client import OlxClient

    return await _test_polled(connection, "OLX", oauth.refresh, OlxClient, lambda me: me.name or me.email)


async def _test_polled(connection: Connection, platform: str, refresh, client_class, who) -> str:  # noqa: ANN001
    """Neither polled marketplace lets a seller message themselves: read the account and a page of threads."""
    from shared.channels.session import AuthorizedSession

    session = AuthorizedSession(connection, refresh, platform)
    async with client_class() as client:
        me = await session.call(client.me)
        threads = await session.call(lambda token: client.threads(token, 0))
    return f"{platform} accepts the connection as {who(me)}; {len(threads)} message threads on the first page."


async def _test_emag(connection: Connection) -> str:
    from shared.channels.emag.client import EmagClient, basic_token
    from shared.channels.platform_settings import EmagSettings

    credentials, country = connection.credentials, connection.settings.get("country", "ro")
    async with EmagClient(load(EmagSettings).api_url(country)) as client:
        orders = await client.order_count(basic_token(credentials.get("apiUsername", ""),
                                                      credentials.get("apiPassword", "")))
    return f"eMAG {country.upper()} accepts the API user and this server's address ({orders} orders)."


PROBES: dict[str, Callable[[Connection], Awaitable[str | tuple[str, dict]]]] = {
    "email": _test_email, "generic": _test_generic, "allegro": _test_allegro, "olx": _test_olx, "emag": _test_emag}


async def _record(tenant_id: UUID, account_id: UUID, outcome: ConnectionTest, settings_patch: dict) -> None:
    patch = msgspec.json.encode({**settings_patch, LAST_TEST_KEY: outcome}).decode()
    async with tenant_tx(tenant_id):
        await tx_connection().execute(
            "UPDATE channel_accounts SET settings = settings || $2::jsonb, updated_at = now() WHERE id = $1",
            account_id, patch)


async def send_test(tenant_id: UUID, account_id: UUID) -> ConnectionTest | None:
    """None when there is no such account; NotAllowed for a disconnected or broken one."""
    try:
        connection = await load_connection(tenant_id, account_id, allow_status=("connected", "paused"))
    except NotConnected:
        status = await _current_status(tenant_id, account_id)
        if status is None:
            return None
        raise NotAllowed(f"This channel is {status}; connect it again before testing it.") from None
    probe = PROBES.get(connection.platform)
    if probe is None:
        raise NotAllowed(f"{connection.platform} channels cannot be tested yet.")
    patch: dict = {}
    try:
        detail = await probe(connection)
        detail, patch = detail if isinstance(detail, tuple) else (detail, {})
        outcome = ConnectionTest(ok=True, detail=detail, tested_at=datetime.now(timezone.utc))
    except (PlatformError, PermanentDeliveryError, TransientDeliveryError) as failed:
        # Every one of these carries a message meant for the seller and never a secret.
        outcome = ConnectionTest(ok=False, detail=str(failed)[:500] or type(failed).__name__,
                                 tested_at=datetime.now(timezone.utc))
    await _record(tenant_id, account_id, outcome, patch)
    return outcome
