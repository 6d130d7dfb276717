"""Generic channel sender: a signed JSON callback to the seller's own endpoint (shop, site chat).

Contract (docs/channels.md, "Generic channel"): POST callbackUrl with ``X-BokAI-Timestamp``,
``X-BokAI-Signature: sha256=<hex of HMAC-SHA256(secret, timestamp + "." + body)>`` and
``Idempotency-Key``; the receiver de-duplicates by the key. Receivers that also answer the signed
``GET callbackUrl?idempotencyKey=...`` probe (settings ``deliveryProbe: true``) let an interrupted
delivery be confirmed instead of ending as "delivery uncertain".
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import ClassVar
from urllib.parse import urlsplit
from uuid import UUID

import httpx2
import msgspec

from shared.channels.credentials import CredentialCipher, CredentialsError
from shared.channels.destinations import Destination, vet
from shared.channels.errors import PAUSED_MESSAGE
from shared.channels.http import retry_after_seconds
from shared.channels.pinned import pinned_client
from shared.channels.senders import (
    DeliveryReceipt,
    DeliveryUnknown,
    OutboundReply,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from shared.channels.tables import ChannelAccount
from shared.http.signatures import signed_headers
from shared.settings import Settings, load
from shared.tenancy.db import tenant_tx


class GenericChannelSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "GENERIC_CHANNEL_"
    # Off in production: a seller's callback URL must not reach our own network (SSRF).
    allow_private_callbacks: bool = False
    connect_timeout_seconds: float = 5.0
    timeout_seconds: float = 15.0


class ReplyCallback(msgspec.Struct, rename="camel", kw_only=True):
    type: str
    reply_id: str
    conversation_id: str
    in_reply_to_message_id: str | None
    text: str
    idempotency_key: str
    created_at: str


class _Accepted(msgspec.Struct, rename="camel", kw_only=True):
    message_id: str | None = None


class _Endpoint(msgspec.Struct, frozen=True):
    url: str
    secret: bytes
    supports_probe: bool


def _signed_headers(secret: bytes, payload: bytes, idempotency_key: str) -> dict[str, str]:
    return {**signed_headers(secret, payload), "Idempotency-Key": idempotency_key}


async def _endpoint(tenant_id: UUID, account_id: UUID | None, *, paused_ok: bool = False) -> _Endpoint:
    if account_id is None:
        raise PermanentDeliveryError("This conversation is not linked to a connected channel; "
                                     "reconnect your shop's channel and send the reply again.")
    async with tenant_tx(tenant_id):
        account = await ChannelAccount.select(
            ChannelAccount.settings, ChannelAccount.credentials_encrypted, ChannelAccount.status
        ).where(ChannelAccount.id == account_id).first()
    if account is None or account["status"] == "disconnected":
        raise PermanentDeliveryError("The shop channel of this conversation is disconnected; "
                                     "reconnect it and send the reply again.")
    if account["status"] == "paused" and not paused_ok:
        raise PermanentDeliveryError(PAUSED_MESSAGE)
    settings = account["settings"]
    settings = msgspec.json.decode(settings) if isinstance(settings, (str, bytes)) else settings
    url = settings.get("callbackUrl")
    if not isinstance(url, str) or not url:
        raise PermanentDeliveryError("Your shop channel has no callback URL; set one in the channel "
                                     "settings so replies can be delivered.")
    try:
        secret = CredentialCipher().decrypt(tenant_id, account_id,
                                            bytes(account["credentials_encrypted"] or b""))["webhookSecret"]
    except (CredentialsError, KeyError, TypeError):
        raise PermanentDeliveryError("The signing secret of your shop channel is missing or unreadable; "
                                     "generate a new one in the channel settings.") from None
    return _Endpoint(url=url, secret=secret.encode(), supports_probe=settings.get("deliveryProbe") is True)


async def _check_destination(url: str, settings: GenericChannelSettings) -> Destination:
    """Where the callback may go: the addresses its host resolved to now, checked (connect only there)."""
    not_a_url = "The callback URL of your shop channel is not a valid http(s) URL."
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:  # a port that is not a number or out of range
        raise PermanentDeliveryError(not_a_url) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise PermanentDeliveryError(not_a_url)
    if parts.scheme != "https" and not settings.allow_private_callbacks:
        raise PermanentDeliveryError("The callback URL of your shop channel must use https.")
    return await vet(parts.hostname, port, "The callback URL of your shop channel points to a private network "
                     "address; use your shop's public address.", allow_private=settings.allow_private_callbacks)


def _client(settings: GenericChannelSettings, destination: Destination) -> httpx2.AsyncClient:
    # One client per call: callbacks go to many different sellers' hosts, so a shared pool would
    # keep few reusable connections, and a per-call client cannot outlive the event loop it runs on.
    timeout = httpx2.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds)
    return pinned_client(destination, timeout)


def _receipt(response: httpx2.Response) -> DeliveryReceipt:
    try:
        accepted = msgspec.json.decode(response.content or b"{}", type=_Accepted)
    except (msgspec.DecodeError, msgspec.ValidationError):
        accepted = _Accepted()  # the body is optional: a 2xx alone means accepted
    message_id = accepted.message_id[:255] if accepted.message_id else None
    return DeliveryReceipt(platform_message_id=message_id, delivered_at=datetime.now(timezone.utc))


class GenericSender:
    platform = "generic"

    async def send(self, reply: OutboundReply) -> DeliveryReceipt:
        settings = load(GenericChannelSettings)
        endpoint = await _endpoint(reply.tenant_id, reply.channel_account_id)
        destination = await _check_destination(endpoint.url, settings)
        payload = msgspec.json.encode(ReplyCallback(
            type="reply", reply_id=str(reply.message_id), conversation_id=reply.platform_conversation_id,
            in_reply_to_message_id=reply.in_reply_to_platform_message_id, text=reply.text,
            idempotency_key=reply.idempotency_key, created_at=reply.claimed_at.isoformat()))
        headers = {"Content-Type": "application/json",
                   **_signed_headers(endpoint.secret, payload, reply.idempotency_key)}
        try:
            async with _client(settings, destination) as client:
                response = await client.post(endpoint.url, content=payload, headers=headers)
        except (httpx2.ConnectError, httpx2.ConnectTimeout, httpx2.PoolTimeout) as problem:
            # Nothing reached the receiver: safe to send again.
            raise TransientDeliveryError(f"your endpoint could not be reached ({type(problem).__name__})") from None
        except httpx2.HTTPError as problem:
            # The request may have arrived: the retry must reconcile first, not simply resend.
            raise DeliveryUnknown(f"no answer from your endpoint ({type(problem).__name__})") from None
        return self._outcome(response)

    @staticmethod
    def _outcome(response: httpx2.Response) -> DeliveryReceipt:
        status = response.status_code
        if 200 <= status < 300:
            return _receipt(response)
        if status in (408, 425, 429) or status >= 500:
            raise TransientDeliveryError(f"your endpoint answered HTTP {status}", retry_after_seconds(response))
        raise PermanentDeliveryError(f"Your endpoint refused the reply (HTTP {status}). Check the callback "
                                     "URL and signing secret in the channel settings, then send it again.")

    async def find_delivered(self, reply: OutboundReply) -> DeliveryReceipt | None:
        settings = load(GenericChannelSettings)
        endpoint = await _endpoint(reply.tenant_id, reply.channel_account_id)
        if not endpoint.supports_probe:
            raise DeliveryUnknown("the receiver does not support the delivery probe")
        destination = await _check_destination(endpoint.url, settings)
        # The probe has no body: the signature covers the idempotency key instead.
        headers = _signed_headers(endpoint.secret, reply.idempotency_key.encode(), reply.idempotency_key)
        try:
            async with _client(settings, destination) as client:
                response = await client.get(endpoint.url, params={"idempotencyKey": reply.idempotency_key},
                                            headers=headers)
        except httpx2.HTTPError as problem:
            raise TransientDeliveryError(f"delivery probe failed ({type(problem).__name__})") from None
        if response.status_code == 404:
            return None
        if response.status_code == 200:
            return _receipt(response)
        if response.status_code == 429 or response.status_code >= 500:
            raise TransientDeliveryError(f"delivery probe answered HTTP {response.status_code}",
                                         retry_after_seconds(response))
        raise DeliveryUnknown(f"delivery probe answered HTTP {response.status_code}")



async def send_test_callback(tenant_id: UUID, account_id: UUID) -> str:
    """The channels API's "send a test message": a signed ``POST callbackUrl`` with ``{"type": "test"}``.

    Receivers must not show it to anyone; any 2xx passes. A paused channel is tested too.
    """
    settings = load(GenericChannelSettings)
    endpoint = await _endpoint(tenant_id, account_id, paused_ok=True)
    destination = await _check_destination(endpoint.url, settings)
    key = f"bokai-test-{uuid.uuid4()}"
    payload = msgspec.json.encode({"type": "test", "idempotencyKey": key, "text": "BOK-AI test: show this to nobody.",
                                   "createdAt": datetime.now(timezone.utc).isoformat()})
    headers = {"Content-Type": "application/json", **_signed_headers(endpoint.secret, payload, key)}
    try:
        async with _client(settings, destination) as client:
            response = await client.post(endpoint.url, content=payload, headers=headers)
    except httpx2.HTTPError as problem:
        raise TransientDeliveryError(f"your endpoint could not be reached ({type(problem).__name__})") from None
    if not 200 <= response.status_code < 300:
        raise PermanentDeliveryError(f"Your endpoint answered HTTP {response.status_code} to a signed test "
                                     "callback; check the URL and that it verifies our signature.")
    return f"Your endpoint accepted a signed test callback (HTTP {response.status_code})."
