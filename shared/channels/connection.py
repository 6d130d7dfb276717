"""A channel account's stored connection: credentials, token rotation under a row lock, sync state.

Refresh tokens of Allegro (and OLX) are single use. Two workers refreshing at once would each spend
the same refresh token and one of them would kill the connection, so every refresh happens with
the account row locked (SELECT ... FOR UPDATE inside the tenant transaction): the second worker
waits, sees the access token already changed and uses the new pair instead of refreshing again.
The new pair is committed before anyone uses the new access token.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

import msgspec

from shared.channels import credential_versions
from shared.channels.credentials import CredentialCipher, CredentialsError
from shared.channels.errors import ConnectionDead, NotConnected
from shared.outbox.staging import publish, stage
from shared.tenancy.db import tenant_tx, tx_connection

logger = logging.getLogger("bokai.channels")

# refresh_token -> the token endpoint's answer (access_token, refresh_token, expires_in)
Refresher = Callable[[str], Awaitable[dict]]


@dataclass(frozen=True, slots=True)
class Connection:
    tenant_id: UUID
    account_id: UUID
    platform: str
    status: str
    external_account_id: str
    credentials: dict
    settings: dict
    sync_watermark: datetime | None
    last_synced_at: datetime | None


def dead_connection_message(platform_label: str) -> str:
    return (f"{platform_label} no longer accepts BOK-AI's access to this account (the authorisation expired "
            f"or was revoked, e.g. after a password change). Connect the account again in Settings → Channels.")


def credentials_from_token(token: dict, previous: dict | None = None) -> dict:
    """Our stored shape of an OAuth token answer; a missing refresh token keeps the previous one."""
    refresh = token.get("refresh_token") or (previous or {}).get("refreshToken")
    expires_in = int(token.get("expires_in") or 3600)
    return {"accessToken": token["access_token"], "refreshToken": refresh,
            "expiresAt": int(time.time()) + expires_in}


def _connection_from_row(row, credentials: dict) -> Connection:
    settings = row["settings"]
    if isinstance(settings, str):
        settings = msgspec.json.decode(settings)
    return Connection(row["tenant_id"], row["id"], row["platform"], row["status"], row["external_account_id"],
                      credentials, settings or {}, row["sync_watermark"], row["last_synced_at"])


_SELECT = """SELECT id, tenant_id, platform, status, external_account_id, credentials_encrypted, settings,
                    sync_watermark, last_synced_at FROM channel_accounts WHERE id = $1"""


def _decrypt(tenant_id: UUID, row) -> dict:
    blob = row["credentials_encrypted"]
    if blob is None:
        return {}
    try:
        return CredentialCipher().decrypt(tenant_id, row["id"], bytes(blob))
    except CredentialsError:
        raise NotConnected("stored credentials cannot be read; connect the account again") from None


async def load_connection(tenant_id: UUID | str, account_id: UUID | str, *, platform: str | None = None,
                          allow_status: tuple[str, ...] = ("connected",)) -> Connection:
    tenant_id, account_id = UUID(str(tenant_id)), UUID(str(account_id))
    async with tenant_tx(tenant_id):
        row = await tx_connection().fetchrow(_SELECT, account_id)
    if row is None or row["status"] not in allow_status or (platform and row["platform"] != platform):
        raise NotConnected("no such connected account")
    return _connection_from_row(row, _decrypt(tenant_id, row))


async def load_for_delivery(tenant_id: UUID, account_id: UUID | None, platform: str, label: str) -> Connection:
    """The connection a reply leaves through; PermanentDeliveryError (shown to the seller) when there is none."""
    from shared.channels.errors import PAUSED_MESSAGE
    from shared.channels.senders import PermanentDeliveryError

    try:
        if account_id is None:
            raise NotConnected("no account")
        connection = await load_connection(tenant_id, account_id, platform=platform,
                                           allow_status=("connected", "paused"))
    except NotConnected:
        raise PermanentDeliveryError(f"The {label} account of this conversation is not connected; "
                                     "connect it again in Settings → Channels, then resend.") from None
    if connection.status == "paused":
        raise PermanentDeliveryError(PAUSED_MESSAGE)
    return connection


async def rotate_tokens(connection: Connection, refresher: Refresher, *, stale_access_token: str) -> Connection:
    """The connection with a fresh token pair, refreshed at most once however many workers ask."""
    async with tenant_tx(connection.tenant_id):
        db = tx_connection()
        row = await db.fetchrow(_SELECT + " FOR UPDATE", connection.account_id)
        if row is None or row["status"] != "connected":
            raise NotConnected("the account was disconnected")
        stored = _decrypt(connection.tenant_id, row)
        if stored.get("accessToken") != stale_access_token:
            # Another worker refreshed while we waited for the lock: its pair is the live one.
            return replace(connection, credentials=stored)
        token = await refresher(stored["refreshToken"])
        fresh = {**stored, **credentials_from_token(token, stored)}
        blob = CredentialCipher().encrypt(connection.tenant_id, connection.account_id, fresh)
        await db.execute("UPDATE channel_accounts SET credentials_encrypted = $2, updated_at = now() WHERE id = $1",
                         connection.account_id, blob)
    logger.info("rotated %s tokens of account %s", connection.platform, connection.account_id)
    return replace(connection, credentials=fresh)


# Polls one account (shared/channels/actors.py); staged with a (re)connection and by the fan-out.
SYNC_ACTOR = ("channels", "channels.sync_account")
# Staged by name (the events domain reads channels, so channels never imports it): the seller's
# channel.broken event, committed with the status change.
CHANNEL_BROKEN_ACTOR = ("events", "events.channel_broken")


async def mark_dead(tenant_id: UUID, account_id: UUID, message: str) -> None:
    """status='error' stops polling (the fan-out lists connected accounts only) and shows ``message``."""
    async with tenant_tx(tenant_id):
        changed = await tx_connection().fetchval(
            "UPDATE channel_accounts SET status = 'error', last_error = $2, updated_at = now() "
            "WHERE id = $1 AND status = 'connected' RETURNING id", account_id, message[:1000])
        job = None if changed is None else await stage(tenant_id, *CHANNEL_BROKEN_ACTOR, str(tenant_id),
                                                       str(account_id), str(uuid.uuid4()))
    await publish(job)
    logger.warning("account %s marked as error: connection dead", account_id)


async def save_sync_state(connection: Connection, *, watermark: datetime | None = None,
                          settings_patch: dict | None = None) -> None:
    """Called only after everything the run read is stored, so a crash never skips messages."""
    async with tenant_tx(connection.tenant_id):
        await tx_connection().execute(
            """UPDATE channel_accounts SET last_synced_at = now(), updated_at = now(),
                   sync_watermark = GREATEST(sync_watermark, $2),
                   settings = settings || $3::jsonb,
                   last_error = CASE WHEN status = 'connected' THEN NULL ELSE last_error END
               WHERE id = $1""",
            connection.account_id, watermark, msgspec.json.encode(settings_patch or {}).decode())


async def save_connected_account(tenant_id: UUID, *, platform: str, external_account_id: str,
                                 display_name: str | None, credentials: dict, settings: dict | None = None,
                                 sync_now: bool = False) -> UUID:
    """Insert or reconnect (same platform account) with fresh credentials; returns the account id.

    ``sync_now`` stages the account's first poll in the same transaction: with Redis away the
    connection still succeeds (the OAuth code is spent by then) and the outbox relay enqueues the poll.
    """
    job = None
    async with tenant_tx(tenant_id):
        db = tx_connection()
        account_id = await db.fetchval(
            "SELECT id FROM channel_accounts WHERE platform = $1 AND external_account_id = $2 FOR UPDATE",
            platform, external_account_id)
        new = account_id is None
        account_id = account_id or uuid.uuid4()
        blob = CredentialCipher().encrypt(tenant_id, account_id, credentials)
        settings_json = msgspec.json.encode(settings or {}).decode()
        if new:
            await db.execute(
                """INSERT INTO channel_accounts (id, tenant_id, platform, external_account_id, display_name, status,
                       credentials_encrypted, settings, created_at, updated_at)
                   VALUES ($1, $2, $3, $4, $5, 'connected', $6, $7::jsonb, now(), now())""",
                account_id, tenant_id, platform, external_account_id, display_name, blob, settings_json)
        else:
            await db.execute(
                """UPDATE channel_accounts SET status = 'connected', last_error = NULL, credentials_encrypted = $2,
                       display_name = COALESCE($3, display_name), settings = settings || $4::jsonb, updated_at = now()
                   WHERE id = $1""", account_id, blob, display_name, settings_json)
        if sync_now:
            job = await stage(tenant_id, *SYNC_ACTOR, str(tenant_id), str(account_id))
    await publish(job)
    if not new:
        await credential_versions.bump(tenant_id, account_id)  # replaced credentials: drop cached copies
    return account_id


async def sync_targets() -> list[tuple[UUID, UUID]]:
    """(tenant_id, account_id) of every connected polled account, across tenants.

    RLS hides channel_accounts without a tenant, so this goes through the narrow SECURITY DEFINER
    function ``channel_sync_targets()`` (migration 2026-11-25T18:22:40), which returns ids only.
    """
    from shared.channels.tables import ChannelAccount

    rows = await ChannelAccount.raw("SELECT tenant_id, account_id FROM channel_sync_targets()")
    return [(row["tenant_id"], row["account_id"]) for row in rows]
