"""Connecting, listing and disconnecting a seller's channel accounts (the connections API's logic)."""

from __future__ import annotations

import secrets
import time
import uuid
from uuid import UUID

import msgspec

from shared.broker import enqueue
from shared.channels.connection import credentials_from_token, save_connected_account
from shared.channels.credentials import CredentialCipher
from shared.channels.platform_settings import AllegroSettings, OlxSettings  # noqa: F401  (secrets the connect flows read)
from shared.channels.errors import ConnectionDead
from shared.channels.schemas import (AccountView, DeviceFlowStarted, DevicePollResult, EmailAccountCreated,
                                     EmailAccountRequest, GenericAccountCreated, GenericAccountRequest)
from shared.channels.tables import ChannelAccount
from shared.infra.redis import redis_client
from shared.ops.channel_health import ChannelHealth, channel_health
from shared.tenancy.db import tenant_tx
from shared.tenancy.ids import InvalidTenantId, parse_tenant_id
from shared.tenancy.keys import TenantKeys

OLX_STATE_TTL = 900
SYNC_ACTOR = ("channels", "channels.sync_account")


class InvalidRequest(Exception):
    """Shown to the seller as is (400)."""


class AlreadyConnected(Exception):
    pass


_VIEW_COLUMNS = (ChannelAccount.id, ChannelAccount.platform, ChannelAccount.external_account_id,
                 ChannelAccount.display_name, ChannelAccount.status, ChannelAccount.last_error,
                 ChannelAccount.last_synced_at, ChannelAccount.created_at)


def _view(row: dict, health: ChannelHealth | None = None) -> AccountView:
    return AccountView(**row, health=health)


async def list_accounts(tenant_id: UUID) -> list[AccountView]:
    async with tenant_tx(tenant_id):
        rows = await ChannelAccount.select(*_VIEW_COLUMNS).order_by(ChannelAccount.created_at)
        health = await channel_health(rows)
    return [_view(row, health[row["id"]]) for row in rows]


async def get_account(tenant_id: UUID, account_id: UUID) -> AccountView | None:
    async with tenant_tx(tenant_id):
        row = await ChannelAccount.select(*_VIEW_COLUMNS).where(ChannelAccount.id == account_id).first()
        health = await channel_health([row]) if row else {}
    return _view(row, health[row["id"]]) if row else None


async def disconnect(tenant_id: UUID, account_id: UUID) -> bool:
    """Credentials are wiped; the row stays so its conversations keep their history."""
    async with tenant_tx(tenant_id):
        updated = await ChannelAccount.update({
            ChannelAccount.status: "disconnected", ChannelAccount.credentials_encrypted: None,
            ChannelAccount.last_error: None}).where(ChannelAccount.id == account_id).returning(ChannelAccount.id)
    return bool(updated)


# --- Allegro device flow ----------------------------------------------------------------------
def _device_key(flow_id: str) -> str:
    return f"channels:allegro-device:{flow_id}"


async def start_allegro_device_flow(tenant_id: UUID) -> DeviceFlowStarted:
    from shared.channels.allegro import oauth as allegro_oauth  # lazy: httpx2/authlib cost cold-start time
    started = await allegro_oauth.start_device_flow()
    flow_id = secrets.token_urlsafe(16)
    state = {"deviceCode": started.device_code, "interval": started.interval, "nextPollAt": 0,
             "expiresAt": time.time() + started.expires_in}
    await TenantKeys(redis_client(), tenant_id).set(_device_key(flow_id), msgspec.json.encode(state),
                                                    ttl_seconds=started.expires_in)
    return DeviceFlowStarted(flow_id=flow_id, user_code=started.user_code, verification_url=started.verification_uri,
                             verification_url_complete=started.verification_uri_complete,
                             interval=started.interval, expires_in=started.expires_in)


async def poll_allegro_device_flow(tenant_id: UUID, flow_id: str) -> DevicePollResult:
    """One step of the device flow; never asks Allegro more often than its ``interval`` allows."""
    from shared.channels.allegro import oauth as allegro_oauth
    from shared.channels.allegro.client import AllegroClient
    keys = TenantKeys(redis_client(), tenant_id)
    raw = await keys.get(_device_key(flow_id))
    if raw is None:
        return DevicePollResult(status="expired")
    state = msgspec.json.decode(raw)
    now = time.time()
    if now < state["nextPollAt"]:
        return DevicePollResult(status="pending", retry_after=int(state["nextPollAt"] - now) + 1)
    result = await allegro_oauth.poll_device_token(state["deviceCode"])
    if result.status in ("pending", "slow_down"):
        state["interval"] += 5 if result.status == "slow_down" else 0
        state["nextPollAt"] = now + state["interval"]
        ttl = max(1, int(state["expiresAt"] - now))
        await keys.set(_device_key(flow_id), msgspec.json.encode(state), ttl_seconds=ttl)
        return DevicePollResult(status="pending", retry_after=state["interval"])
    await keys.delete(_device_key(flow_id))
    if result.status != "connected":
        return DevicePollResult(status=result.status)
    credentials = credentials_from_token(result.token)
    async with AllegroClient() as client:
        me = await client.me(credentials["accessToken"])
    account_id = await save_connected_account(tenant_id, platform="allegro", external_account_id=me.id,
                                              display_name=me.login, credentials=credentials)
    enqueue(*SYNC_ACTOR, str(tenant_id), str(account_id))
    return DevicePollResult(status="connected", account=await get_account(tenant_id, account_id))


# --- OLX authorization code -------------------------------------------------------------------
async def start_olx_connect(tenant_id: UUID) -> str:
    from shared.channels.olx import oauth as olx_oauth
    nonce = secrets.token_urlsafe(24)
    await TenantKeys(redis_client(), tenant_id).set(f"channels:olx-state:{nonce}", b"1", ttl_seconds=OLX_STATE_TTL)
    # The callback arrives without our session (a browser redirect from OLX): the state names the
    # tenant, and its unguessable, single-use nonce is what proves the request started here.
    return olx_oauth.authorize_url(f"{tenant_id}.{nonce}")


async def complete_olx_connect(state: str, code: str) -> tuple[UUID, AccountView]:
    from shared.channels.olx import oauth as olx_oauth
    from shared.channels.olx.client import OlxClient

    tenant_part, _, nonce = state.partition(".")
    try:
        tenant_id = parse_tenant_id(tenant_part)
    except InvalidTenantId:
        raise InvalidRequest("This OLX connection link is invalid or has expired; start connecting again.") from None
    if not nonce or not await TenantKeys(redis_client(), tenant_id).delete(f"channels:olx-state:{nonce}"):
        raise InvalidRequest("This OLX connection link is invalid or has expired; start connecting again.")
    try:
        credentials = credentials_from_token(await olx_oauth.exchange_code(code))
    except ConnectionDead:
        raise InvalidRequest("OLX did not accept the authorisation; start connecting again.") from None
    async with OlxClient() as client:
        me = await client.me(credentials["accessToken"])
    account_id = await save_connected_account(tenant_id, platform="olx", external_account_id=str(me.id),
                                              display_name=me.name or me.email, credentials=credentials)
    enqueue(*SYNC_ACTOR, str(tenant_id), str(account_id))
    return tenant_id, await get_account(tenant_id, account_id)


# --- email and generic channels -----------------------------------------------------------------
async def _insert(tenant_id: UUID, account_id: UUID, platform: str, external_id: str, display_name: str | None,
                  credentials: dict, settings: dict) -> AccountView:
    blob = CredentialCipher().encrypt(tenant_id, account_id, credentials)
    async with tenant_tx(tenant_id):
        if await ChannelAccount.exists().where((ChannelAccount.platform == platform)
                                               & (ChannelAccount.external_account_id == external_id)):
            raise AlreadyConnected(external_id)
        await ChannelAccount.insert(ChannelAccount(
            id=account_id, tenant_id=tenant_id, platform=platform, external_account_id=external_id,
            display_name=display_name, status="connected", credentials_encrypted=blob, settings=settings))
    return await get_account(tenant_id, account_id)


async def create_email_account(tenant_id: UUID, data: EmailAccountRequest) -> EmailAccountCreated:
    """Settings/credential keys are the ones shared/channels/email and shared/inbox read."""
    address = data.sender_address.lower()
    token = secrets.token_urlsafe(32)
    settings = {"fromAddress": address, "fromName": data.display_name, "smtpHost": data.smtp_host,
                "smtpPort": data.smtp_port, "smtpUsername": data.smtp_user, "smtpSecurity": data.smtp_security}
    view = await _insert(tenant_id, uuid.uuid4(), "email", address, data.display_name or address,
                         {"smtpPassword": data.smtp_password, "inboundToken": token}, settings)
    return EmailAccountCreated(account=view, inbound_token=token)


async def create_generic_account(tenant_id: UUID, data: GenericAccountRequest) -> GenericAccountCreated:
    account_id = uuid.uuid4()
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    view = await _insert(tenant_id, account_id, "generic", str(account_id), data.name, {"webhookSecret": secret},
                         {"callbackUrl": data.callback_url})
    return GenericAccountCreated(account=view, webhook_secret=secret)
