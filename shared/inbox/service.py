"""Webhook use cases: verify the caller, store the event once, hand it to the inbox actor.

Each ``receive_*`` answers fast and never processes the event itself. The event and its processing
job commit together (``shared.outbox``), so an accepted event is processed even when Redis is down
at that moment. A duplicate delivery stores nothing and returns ``Accepted`` with
``duplicate=True``; if the stored event is still unprocessed its processing is enqueued again.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
from typing import ClassVar

import msgspec

from shared.http.signatures import InvalidSignature, verify
from shared.inbox.channels import UnknownChannel, channel_secret
from shared.inbox.email_parsing import MalformedEmail, parse_email
from shared.inbox.events import hand_over, store_event
from shared.inbox.schemas import Accepted, EmagCallback, GenericMessage
from shared.inbox.signing import ReplayedRequest, claim_signature
from shared.infra.storable_text import storable_text
from shared.settings import Settings, load
from shared.tenancy.db import tenant_tx

__all__ = ["Malformed", "Unauthorized", "UnknownChannel", "receive_email", "receive_emag", "receive_generic"]

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
    return message


async def receive_generic(tenant_id: str, channel_account_id: str, timestamp: str | None,
                          signature: str | None, body: bytes) -> Accepted:
    channel = await channel_secret(tenant_id, channel_account_id, "generic", "webhookSecret")
    try:
        verified = verify(channel.secret, timestamp, signature, body)
    except InvalidSignature as reason:
        logger.info("generic webhook refused for channel %s: %s", channel.channel_account_id, reason)
        raise Unauthorized() from None
    message = _decode_generic(body)
    async with tenant_tx(channel.tenant_id):
        stored = await store_event(channel.tenant_id, f"generic:{channel.channel_account_id}",
                                   message.message_id, "message.created", message)
    first_use, _ = await asyncio.gather(claim_signature(channel.tenant_id, channel.channel_account_id, verified),
                                        hand_over(stored))
    if not first_use:
        raise ReplayedRequest()
    return Accepted(duplicate=stored.duplicate)


async def receive_email(tenant_id: str, channel_account_id: str, authorization: str | None,
                        raw: bytes) -> Accepted:
    channel = await channel_secret(tenant_id, channel_account_id, "email", "inboundToken")
    if not bearer_matches(authorization, channel.secret):
        raise Unauthorized()
    try:
        email = parse_email(raw)
    except MalformedEmail as problem:
        raise Malformed(str(problem)) from None
    async with tenant_tx(channel.tenant_id):
        stored = await store_event(channel.tenant_id, f"email:{channel.channel_account_id}",
                                   email.message_id, "email.received", email)
    await hand_over(stored)
    return Accepted(duplicate=stored.duplicate)


async def receive_emag(tenant_id: str, channel_account_id: str, token: str | None, order_id: str | None,
                       method: str, query: dict[str, str], body: bytes) -> Accepted:
    """eMAG has no messaging API: a callback only says "order X changed", recorded as order context."""
    channel = await channel_secret(tenant_id, channel_account_id, "emag", "callbackToken")
    if not token or not hmac.compare_digest(token.encode(), channel.secret.encode()):
        raise Unauthorized()
    if not order_id or len(order_id) > 64 or not order_id.replace("-", "").isalnum():
        raise Malformed("order_id is missing or not an eMAG order id.")
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
    return Accepted(duplicate=stored.duplicate)


def minio_token() -> str:
    return load(InboundSecrets).token
