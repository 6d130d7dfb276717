"""Webhook use cases: verify the caller, store the event once, hand it to the inbox actor.

Each ``receive_*`` answers fast and never processes the event itself. It reads the body only after
everything that can be checked without it: the path names a channel, the channel's failure throttle
(shared/inbox/throttle.py), and a credential carried in a header or the query. A refused caller's
body is never read; an accepted one is read under the route's size limit, enforced while reading.
The event and its processing job commit together (``shared.outbox``), so an accepted event is
processed even when Redis is down at that moment. A duplicate delivery stores nothing and returns ``Accepted`` with
``duplicate=True``; if the stored event is still unprocessed its processing is enqueued again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import ClassVar

import msgspec

from shared.http.signatures import InvalidSignature, check_headers, verify
from shared.inbox.channels import ChannelGone, ChannelSecret, UnknownChannel, secret_at_version
from shared.inbox.email_parsing import MalformedEmail, parse_email
from shared.inbox.events import hand_over, store_event
from shared.inbox.schemas import Accepted, EmagCallback, GenericMessage
from shared.inbox.signing import ReplayedRequest, claim_signature
from shared.inbox.throttle import ChannelGate, Throttled, open_gate
from shared.infra.shown_text import is_one_shown_line
from shared.infra.storable_text import storable_text
from shared.settings import Settings, load
from shared.tenancy.db import tenant_tx
from shared.tenancy.ids import InvalidTenantId, parse_tenant_id

__all__ = ["Malformed", "Throttled", "Unauthorized", "UnknownChannel", "receive_email", "receive_emag",
           "receive_generic"]

# Reads the request body when called (the route's size limit applies while reading).
ReadBody = Callable[[], Awaitable[bytes]]

logger = logging.getLogger("bokai.inbox")
MAX_TEXT_CHARS = 20_000


class Unauthorized(Exception):
    pass


class Malformed(ValueError):
    pass


class InboundSecrets(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "MINIO_WEBHOOK_"
    # Secret `minio-webhook-token`: what MinIO sends as its Bearer token (MINIO_NOTIFY_WEBHOOK_AUTH_TOKEN_*).
    token: str = ""


_generic_decoder = msgspec.json.Decoder(GenericMessage)
MAX_ORDER_ID_CHARS = 100


def bearer_matches(authorization: str | None, expected: str) -> bool:
    scheme, _, token = (authorization or "").partition(" ")
    # An unset expected token never matches: a missing secret fails closed.
    return bool(expected) and scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(),
                                                                                  expected.encode())


def _decode_generic(body: bytes) -> GenericMessage:
    try:
        message = _generic_decoder.decode(body)
    except msgspec.ValidationError as problem:
        raise Malformed(f"The message does not match the schema: {problem}") from None
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        # The input guard refuses such bodies first (shared/http/input_guard.py); still a 400 here.
        raise Malformed("The body is not valid JSON.") from None
    if not message.message_id.strip() or not message.conversation_id.strip():
        raise Malformed("messageId and conversationId must not be empty.")
    if len(message.message_id) > 255 or len(message.conversation_id) > 255:
        raise Malformed("messageId and conversationId are at most 255 characters.")
    if len(message.text) > MAX_TEXT_CHARS:
        raise Malformed(f"text is at most {MAX_TEXT_CHARS} characters.")
    if message.order_id is not None and not 0 < len(message.order_id.strip()) <= MAX_ORDER_ID_CHARS:
        raise Malformed(f"orderId, when given, is 1 to {MAX_ORDER_ID_CHARS} characters.")
    # The id is shown to the seller as is: a line break or a right-to-left override would let a shop's
    # (or an attacker's) id rewrite what the seller reads next to it.
    if message.order_id is not None and not is_one_shown_line(message.order_id):
        raise Malformed("orderId must be one line of printable characters (no line breaks, control or "
                        "direction-changing characters).")
    return message


async def _open_channel(tenant_id: str, channel_account_id: str, platform: str,
                        credential_key: str) -> tuple[ChannelSecret, ChannelGate]:
    """The channel the path names and its failure throttle; UnknownChannel or Throttled otherwise."""
    try:
        tenant, account = parse_tenant_id(tenant_id), parse_tenant_id(channel_account_id)
    except InvalidTenantId:
        raise UnknownChannel() from None
    gate = await open_gate(tenant, account)
    gate.check_before_lookup()
    try:
        channel = await secret_at_version(tenant, account, platform, credential_key, gate.version,
                                          cacheable=gate.readable)
    except ChannelGone:
        await gate.count_gone()
        raise
    return channel, gate


async def _refused(gate: ChannelGate) -> Exception:
    return await gate.count_refused() or Unauthorized()


async def receive_generic(tenant_id: str, channel_account_id: str, timestamp: str | None,
                          signature: str | None, read_body: ReadBody) -> Accepted:
    channel, gate = await _open_channel(tenant_id, channel_account_id, "generic", "webhookSecret")
    try:
        check_headers(timestamp, signature)  # unsigned or stale: refused without reading the body
        body = await read_body()
        verified = verify(channel.secret, timestamp, signature, body)
    except InvalidSignature as reason:
        logger.info("generic webhook refused for channel %s: %s", channel.channel_account_id, reason)
        raise await _refused(gate) from None
    message = _decode_generic(body)
    async with tenant_tx(channel.tenant_id):
        stored = await store_event(channel.tenant_id, f"generic:{channel.channel_account_id}",
                                   message.message_id, "message.created", message)
    first_use, _ = await asyncio.gather(claim_signature(channel.tenant_id, channel.channel_account_id, verified),
                                        hand_over(stored))
    if not first_use:
        raise ReplayedRequest()
    return Accepted(duplicate=stored.duplicate, event_id=stored.event_id)


async def receive_email(tenant_id: str, channel_account_id: str, authorization: str | None,
                        read_body: ReadBody) -> Accepted:
    channel, gate = await _open_channel(tenant_id, channel_account_id, "email", "inboundToken")
    if not bearer_matches(authorization, channel.secret):
        raise await _refused(gate)
    try:
        email = parse_email(await read_body())
    except MalformedEmail as problem:
        raise Malformed(str(problem)) from None
    async with tenant_tx(channel.tenant_id):
        stored = await store_event(channel.tenant_id, f"email:{channel.channel_account_id}",
                                   email.message_id, "email.received", email)
    await hand_over(stored)
    return Accepted(duplicate=stored.duplicate, event_id=stored.event_id)


async def receive_emag(tenant_id: str, channel_account_id: str, token: str | None, order_id: str | None,
                       method: str, query: dict[str, str], read_body: ReadBody) -> Accepted:
    """eMAG has no messaging API: a callback only says "order X changed", recorded as order context."""
    channel, gate = await _open_channel(tenant_id, channel_account_id, "emag", "callbackToken")
    if not token or not hmac.compare_digest(token.encode(), channel.secret.encode()):
        raise await _refused(gate)
    if not order_id or len(order_id) > 64 or not order_id.replace("-", "").isalnum():
        raise Malformed("order_id is missing or not an eMAG order id.")
    body = await read_body()
    safe_query = {k: v[:500] for k, v in query.items() if k != "token"}
    # An opaque body, kept for the seller to read: as text PostgreSQL can store, whatever it held.
    text = storable_text(body.decode("utf-8", "replace")[:10_000])
    # The same callback redelivered is one event; a later callback about the same order with other
    # content is another one.
    fingerprint = hashlib.sha256(msgspec.json.encode([method, sorted(safe_query.items()), text])).hexdigest()[:24]
    callback = EmagCallback(order_id=order_id, method=method, query=safe_query, body=text)
    async with tenant_tx(channel.tenant_id):
        stored = await store_event(channel.tenant_id, f"emag:{channel.channel_account_id}",
                                   f"order:{order_id}:{fingerprint}", "order.callback", callback)
    await hand_over(stored)
    return Accepted(duplicate=stored.duplicate, event_id=stored.event_id)


def minio_token() -> str:
    return load(InboundSecrets).token
