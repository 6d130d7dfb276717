"""Connecting, listing and disconnecting a seller's channel accounts (the connections API's logic)."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit
from uuid import UUID

import msgspec

from shared.channels import credential_versions
from shared.channels.connection import credentials_from_token, save_connected_account
from shared.channels.credentials import CredentialCipher
from shared.channels.platform_settings import AllegroSettings, OlxSettings  # noqa: F401  (secrets the connect flows read)
from shared.channels.errors import ConnectionDead, PlatformRejected, TokenRejected
from shared.channels.generic.sender import GenericChannelSettings
from shared.channels.hostnames import InvalidHost, ascii_address, ascii_host
from shared.channels.platform_settings import ChannelsPublicSettings
from shared.channels.binding import MARKETPLACE_ACCOUNT_KEY, MARKETPLACE_KEY, binding_of
from shared.channels.schemas import (AccountView, AmazonAccountCreated, AmazonAccountRequest, ConnectionTest,
                                     DeviceFlowStarted, DevicePollResult, EmagAccountCreated, EmagAccountRequest,
                                     EmailAccountCreated, EmailAccountRequest, GenericAccountCreated,
                                     GenericAccountRequest, MailboxRequest)
from shared.channels.tables import ChannelAccount
from shared.infra.redis import redis_client
from shared.ops.channel_health import ChannelHealth, channel_health
from shared.settings import load
from shared.tenancy.db import tenant_tx, tx_connection
from shared.tenancy.ids import InvalidTenantId, parse_tenant_id
from shared.tenancy.keys import TenantKeys

OLX_STATE_TTL = 900
# settings key of the last "send a test message" outcome (shared.channels.lifecycle).
LAST_TEST_KEY = "lastTest"


class InvalidRequest(Exception):
    """Shown to the seller as is (400)."""


class AlreadyConnected(Exception):
    pass


class InvalidField(Exception):
    """A 400 naming the field (the handler turns it into the error contract's ``errors`` entry)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


_VIEW_COLUMNS = (ChannelAccount.id, ChannelAccount.platform, ChannelAccount.external_account_id,
                 ChannelAccount.display_name, ChannelAccount.status, ChannelAccount.last_error,
                 ChannelAccount.last_synced_at, ChannelAccount.created_at, ChannelAccount.settings)


def _view(row: dict, health: ChannelHealth | None = None) -> AccountView:
    row = dict(row)
    settings = row.pop("settings") or {}
    settings = msgspec.json.decode(settings) if isinstance(settings, (str, bytes)) else settings
    last_test = settings.get(LAST_TEST_KEY)
    return AccountView(**row, health=health, marketplace=binding_of(settings).marketplace,
                       last_test=msgspec.convert(last_test, ConnectionTest) if last_test else None)


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
    """Credentials are wiped; the row stays so its conversations keep their history. A mailbox bound to
    the disconnected marketplace account becomes a plain e-mail channel again."""
    async with tenant_tx(tenant_id):
        updated = await ChannelAccount.update({
            ChannelAccount.status: "disconnected", ChannelAccount.credentials_encrypted: None,
            ChannelAccount.last_error: None}).where(ChannelAccount.id == account_id).returning(ChannelAccount.id)
        if updated:
            await tx_connection().execute(
                "UPDATE channel_accounts SET settings = settings - $2::text - $3::text, updated_at = now() "
                "WHERE platform = 'email' AND settings->>$3::text = $1", str(account_id), MARKETPLACE_KEY,
                MARKETPLACE_ACCOUNT_KEY)
    if updated:
        await credential_versions.bump(tenant_id, account_id)  # cached webhook secrets stop working now
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
                                              display_name=me.login, credentials=credentials, sync_now=True)
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
                                              display_name=me.name or me.email, credentials=credentials,
                                              sync_now=True)
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


def _checked(field: str, normalise: Callable[[str], str], value: str) -> str:
    try:
        return normalise(value)
    except InvalidHost as invalid:
        raise InvalidField(field, str(invalid)) from None


def _url_host(url: str) -> str:
    try:
        host = urlsplit(url).hostname
    except ValueError:
        host = None
    if not host:
        raise InvalidHost(f"{url!r} names no host.")
    if urlsplit(url).username is not None:  # it would sit in plain channel settings; the signature authenticates us
        raise InvalidHost("The URL must not contain a user name or password; the receiver checks each reply's "
                          "signature instead.")
    try:
        port = urlsplit(url).port
    except ValueError:  # not a number or over 65535: every delivery would end "not a valid URL"
        port = -1
    if port is not None and not 0 < port <= 65535:
        raise InvalidHost(f"{url!r} names no valid port (1 to 65535).")
    return ascii_host(host)


async def _create_mailbox(tenant_id: UUID, data: MailboxRequest,
                          extra_settings: dict) -> tuple[AccountView, str]:
    """Settings/credential keys are the ones shared/channels/email and shared/inbox read. Names are stored as
    A-labels: SMTP without SMTPUTF8, the resolver and TLS take nothing else."""
    address = _checked("senderAddress", ascii_address, data.sender_address)
    smtp_host = _checked("smtpHost", ascii_host, data.smtp_host)
    imap_host = data.imap_host and _checked("imapHost", ascii_host, data.imap_host)
    token = secrets.token_urlsafe(32)
    settings = {"fromAddress": address, "fromName": data.display_name, "smtpHost": smtp_host,
                "smtpPort": data.smtp_port, "smtpUsername": data.smtp_user, "smtpSecurity": data.smtp_security,
                **extra_settings}
    credentials = {"smtpPassword": data.smtp_password, "inboundToken": token}
    if imap_host:
        settings.update({"imapHost": imap_host, "imapPort": data.imap_port, "imapSecurity": data.imap_security,
                         "imapUsername": data.imap_user or data.smtp_user, "sentFolder": data.sent_folder})
        credentials["imapPassword"] = data.imap_password or data.smtp_password
    view = await _insert(tenant_id, uuid.uuid4(), "email", address, data.display_name or address,
                         credentials, settings)
    return view, token


async def create_email_account(tenant_id: UUID, data: EmailAccountRequest) -> EmailAccountCreated:
    view, token = await _create_mailbox(tenant_id, data, {})
    return EmailAccountCreated(account=view, inbound_token=token)


def public_url(path: str) -> str:
    """``path`` on the public gateway (CHANNELS_PUBLIC_URL), or the path alone when it is not configured."""
    return load(ChannelsPublicSettings).public_url.rstrip("/") + path


async def create_amazon_account(tenant_id: UUID, data: AmazonAccountRequest) -> AmazonAccountCreated:
    """An Amazon shop is an e-mail channel bound to Amazon: Amazon has no API for buyer messages."""
    view, token = await _create_mailbox(tenant_id, data, {MARKETPLACE_KEY: "amazon", "amazonStore": data.store})
    relay = f"marketplace.{data.store}"
    inbound = public_url(f"/function/webhooks/email/{tenant_id}/{view.id}")
    return AmazonAccountCreated(account=view, inbound_token=token, inbound_url=inbound, relay_domain=relay,
                                setup_steps=amazon_setup_steps(data.store, view.external_account_id, inbound))


def amazon_setup_steps(store: str, sender: str, inbound_url: str) -> list[str]:
    return [
        f"Seller Central ({store}) → Settings → Notification Preferences → Messaging → Buyer Messages: the "
        f"address there receives your buyers' messages (Amazon relays them from <alias>@marketplace.{store}).",
        "In that mailbox, forward every message from @marketplace.amazon.* to BOK-AI: your mail provider's "
        f"inbound webhook (raw MIME) posts to {inbound_url} with the header 'Authorization: Bearer <inboundToken>'.",
        f"Seller Central → Settings → Notification Preferences → Messaging Permissions (Authorized e-mail "
        f"addresses): add {sender} as Approved, unless it is already the account's registered address — Amazon "
        "rejects buyer mail from any other address.",
        "Send a test message from BOK-AI (POST /function/channels/accounts/<id>/test): it goes from "
        f"{sender} to itself through your SMTP server.",
        "Answer within 24 hours, weekends included; BOK-AI never puts links off Amazon, e-mail addresses or "
        "phone numbers in a reply to an Amazon buyer.",
    ]


def emag_setup_steps(callback_url: str, bound: bool) -> list[str]:
    steps = [
        "eMAG Marketplace → Profile → Technical settings (API): allow this BOK-AI deployment's outgoing IP "
        "addresses for your API user (eMAG answers API calls only from allowed addresses).",
        f"In the same settings, set the order callback URL (new and changed orders) to {callback_url} — it "
        "holds the token that proves a callback comes from your shop.",
    ]
    if bound:
        steps.append("Your eMAG buyers' messages reach BOK-AI through the e-mail channel you chose: forward them "
                     "to its inbound webhook. A mail that names an order number (\"Comanda nr. 412345678\") "
                     "gets that order's status, products and the customer's name.")
    else:
        steps.append("eMAG has no API for buyer messages: add an e-mail channel that receives them and create "
                     "this eMAG channel again with its emailAccountId, so they become eMAG conversations.")
    return steps


async def create_emag_account(tenant_id: UUID, data: EmagAccountRequest) -> EmagAccountCreated:
    """Order context from eMAG's API and callbacks; buyer mail through a bound e-mail channel."""
    from shared.channels.emag.client import EmagClient, basic_token
    from shared.channels.platform_settings import EmagSettings

    async with tenant_tx(tenant_id):
        mailbox = None if data.email_account_id is None else await ChannelAccount.select(
            ChannelAccount.status, ChannelAccount.settings).where(
            (ChannelAccount.id == data.email_account_id) & (ChannelAccount.platform == "email")).first()
    if data.email_account_id is not None:
        if mailbox is None or mailbox["status"] == "disconnected":
            raise InvalidField("emailAccountId", "No such e-mail channel; create it first (POST /email).")
        if binding_of(mailbox["settings"]).marketplace not in (None, "emag"):
            raise InvalidField("emailAccountId", "This e-mail channel already carries another marketplace's mail.")
    try:
        async with EmagClient(load(EmagSettings).api_url(data.country)) as client:
            await client.order_count(basic_token(data.api_username, data.api_password))
    except (TokenRejected, PlatformRejected):
        raise InvalidField("apiUsername", "eMAG refused this API user: check the username and password, that "
                                          "the user has API rights and that our IP addresses are allowed.") from None
    account_id = uuid.uuid4()
    token = secrets.token_urlsafe(32)
    view = await _insert(tenant_id, account_id, "emag", f"{data.country}:{data.api_username.lower()}",
                         data.display_name or f"eMAG {data.country.upper()}",
                         {"apiUsername": data.api_username, "apiPassword": data.api_password, "callbackToken": token},
                         {"country": data.country})
    if data.email_account_id is not None:
        patch = msgspec.json.encode({MARKETPLACE_KEY: "emag", MARKETPLACE_ACCOUNT_KEY: str(account_id)}).decode()
        async with tenant_tx(tenant_id):
            await tx_connection().execute(
                "UPDATE channel_accounts SET settings = settings || $2::jsonb, updated_at = now() WHERE id = $1",
                data.email_account_id, patch)
    callback = public_url(f"/function/webhooks/emag/{tenant_id}/{account_id}?token={token}")
    return EmagAccountCreated(account=view, callback_url=callback,
                              setup_steps=emag_setup_steps(callback, data.email_account_id is not None))


async def create_generic_account(tenant_id: UUID, data: GenericAccountRequest) -> GenericAccountCreated:
    _checked("callbackUrl", _url_host, data.callback_url)  # kept as given: httpx2 sends its host as A-labels
    if not data.callback_url.startswith("https://") and not load(GenericChannelSettings).allow_private_callbacks:
        raise InvalidField("callbackUrl", "The callback URL must use https.")
    account_id = uuid.uuid4()
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    view = await _insert(tenant_id, account_id, "generic", str(account_id), data.name, {"webhookSecret": secret},
                         {"callbackUrl": data.callback_url, "deliveryProbe": data.delivery_probe})
    inbound = public_url(f"/function/webhooks/channels/{tenant_id}/{view.id}/messages")
    return GenericAccountCreated(account=view, webhook_secret=secret, inbound_url=inbound)
