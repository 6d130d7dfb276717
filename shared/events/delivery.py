"""Delivering one event to one endpoint: signed like the generic channel's callbacks, retried by the actor.

Delivery is at least once: the receiver de-duplicates by the ``Idempotency-Key`` header (the event id,
the same on every retry). Every attempt is written to the delivery log first (attempts, then the
response code or error), so the seller sees a receiver that is down while it is being retried.
Nothing here touches a reply or a conversation: a failing receiver only ever fails its own delivery.
"""

from __future__ import annotations

import logging
import time
from datetime import datetime
from uuid import UUID

import httpx2
import msgspec

from shared.channels.credentials import CredentialCipher, CredentialsError
from shared.channels.destinations import Destination
from shared.channels.pinned import pinned_client
from shared.events.schemas import Event
from shared.events.settings import EventWebhookSettings, event_settings
from shared.events.urls import UnresolvableUrl, UnsafeUrl, check_url
from shared.http.signatures import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign, signed_headers
from shared.infra.retry_policy import parse_retry_after, retry_delay_ms
from shared.tenancy.db import tenant_tx, tx_connection
from shared.tenancy.ids import parse_tenant_id

logger = logging.getLogger("bokai.events")
USER_AGENT = "BOK-AI-Webhooks/1"

_CLAIM = """
UPDATE event_deliveries d
   SET attempts = d.attempts + 1, last_attempt_at = now()
  FROM event_endpoints e
 WHERE d.id = $1 AND d.status = 'pending' AND e.id = d.endpoint_id
RETURNING d.event_id, d.event_type, d.data, d.created_at, d.attempts, d.endpoint_id, e.url, e.enabled,
          e.secret_encrypted
"""
_DELIVERED = """
UPDATE event_deliveries SET status = 'delivered', delivered_at = now(), response_code = $2, last_error = NULL
 WHERE id = $1 AND status = 'pending'
RETURNING endpoint_id
"""
# Bounded per call, so a seller's first delivery after a long pause does not delete for long.
_TRIM_LOG = """
DELETE FROM event_deliveries WHERE id IN (
    SELECT id FROM event_deliveries
     WHERE tenant_id = $1 AND status <> 'pending' AND created_at < now() - make_interval(days => $2)
     ORDER BY created_at LIMIT 500)
"""
_NOT_YET = "UPDATE event_deliveries SET response_code = $2, last_error = left($3, 500) WHERE id = $1"
_FAILED = """
UPDATE event_deliveries SET status = 'failed', last_error = left(COALESCE($2, last_error), 500)
 WHERE id = $1 AND status = 'pending'
RETURNING endpoint_id
"""


class RetryLater(Exception):
    """Not delivered this time; the actor tries again after ``delay_ms``."""

    def __init__(self, reason: str, delay_ms: int) -> None:
        super().__init__(reason)
        self.delay_ms = delay_ms


class _Claimed(msgspec.Struct, frozen=True):
    endpoint_id: UUID
    event_type: str
    url: str
    # The current secret first; the one it replaced while a rotation's overlap lasts.
    secrets: tuple[bytes, ...]
    body: bytes
    event_id: str
    attempts: int


def _signing_secrets(sealed: dict) -> tuple[bytes, ...]:
    current = sealed["signingSecret"].encode()
    previous, until = sealed.get("previousSecret"), sealed.get("previousUntil") or 0
    return (current, previous.encode()) if previous and time.time() < until else (current,)


def _retry_in(attempts: int, retry_after: float | None, settings: EventWebhookSettings) -> int:
    return retry_delay_ms(attempts, retry_after, base_ms=settings.backoff_base_ms, max_ms=settings.backoff_max_ms)


def _json(value):
    return msgspec.json.decode(value) if isinstance(value, (str, bytes)) else value


def event_body(tenant_id: UUID, event_id: UUID, event_type: str, created_at: datetime, data: dict) -> bytes:
    return msgspec.json.encode(Event(id=str(event_id), type=event_type, created_at=created_at,
                                     tenant_id=str(tenant_id), data=data))


async def _claim(tenant_id: UUID, delivery_id: UUID) -> _Claimed | str:
    """The attempt to make, or why there is none (already delivered, endpoint disabled, ...)."""
    async with tenant_tx(tenant_id):
        row = await tx_connection().fetchrow(_CLAIM, delivery_id)
        if row is None:
            return "nothing to do"
        if not row["enabled"]:
            await tx_connection().execute(_FAILED, delivery_id, "The endpoint was disabled before this event "
                                                                "was delivered.")
            return "endpoint disabled"
    try:
        signing = _signing_secrets(CredentialCipher().decrypt(tenant_id, row["endpoint_id"],
                                                              bytes(row["secret_encrypted"])))
    except (CredentialsError, KeyError, TypeError, AttributeError):
        await _record(tenant_id, _FAILED, delivery_id, "The endpoint's signing secret cannot be read; "
                                                       "create the endpoint again.")
        return "secret unreadable"
    body = event_body(tenant_id, row["event_id"], row["event_type"], row["created_at"], _json(row["data"]))
    return _Claimed(row["endpoint_id"], row["event_type"], row["url"], signing, body, str(row["event_id"]),
                    row["attempts"])


async def _record(tenant_id: UUID, sql: str, *args) -> UUID | None:
    async with tenant_tx(tenant_id):
        return await tx_connection().fetchval(sql, *args)


def _headers(claimed: _Claimed) -> dict[str, str]:
    # Signed exactly like the generic channel's reply callbacks (one signer for every webhook); during a
    # rotation also with the previous secret: "sha256=<new>, sha256=<previous>", as `verify` accepts.
    current, *previous = claimed.secrets
    signed = signed_headers(current, claimed.body)
    timestamp = signed[TIMESTAMP_HEADER]
    signed[SIGNATURE_HEADER] = ", ".join([signed[SIGNATURE_HEADER],
                                          *(sign(secret, timestamp, claimed.body) for secret in previous)])
    return {"Content-Type": "application/json", "User-Agent": USER_AGENT, "X-BokAI-Event": claimed.event_type,
            "Idempotency-Key": claimed.event_id, **signed}


async def _post(claimed: _Claimed, destination: Destination, settings: EventWebhookSettings) -> httpx2.Response:
    timeout = httpx2.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds)
    # One client per call: endpoints are many sellers' hosts. It connects to the addresses just vetted.
    async with pinned_client(destination, timeout) as client:
        return await client.post(claimed.url, content=claimed.body, headers=_headers(claimed))


async def deliver(tenant_id: UUID | str, delivery_id: UUID | str) -> str:
    """One attempt; returns the outcome, or raises RetryLater."""
    tenant_id, delivery_id = parse_tenant_id(tenant_id), UUID(str(delivery_id))
    settings = event_settings()
    claimed = await _claim(tenant_id, delivery_id)
    if isinstance(claimed, str):
        return claimed
    try:
        destination = await check_url(claimed.url, settings)
        response = await _post(claimed, destination, settings)
    except UnsafeUrl as refused:
        # Checked again at every attempt: a host name may have been pointed at a private address since.
        await _fail_endpoint(tenant_id, delivery_id, str(refused))
        return "refused"
    except (UnresolvableUrl, httpx2.HTTPError) as problem:
        reason = str(problem) if isinstance(problem, UnresolvableUrl) else f"no answer ({type(problem).__name__})"
        await _record(tenant_id, _NOT_YET, delivery_id, None, reason)
        delay = _retry_in(claimed.attempts, None, settings)
        logger.info("event delivery %s: %s; retry in %d ms", delivery_id, reason, delay)
        raise RetryLater(reason, delay) from None
    if 200 <= response.status_code < 300:
        async with tenant_tx(tenant_id):
            endpoint_id = await tx_connection().fetchval(_DELIVERED, delivery_id, response.status_code)
            await tx_connection().execute("UPDATE event_endpoints SET failing_since = NULL WHERE id = $1 "
                                          "AND failing_since IS NOT NULL", endpoint_id)
            await tx_connection().execute(_TRIM_LOG, tenant_id, settings.keep_log_days)
        logger.info("event delivery %s (%s) delivered, attempt %d", delivery_id, claimed.event_type,
                    claimed.attempts)
        return "delivered"
    reason = f"the endpoint answered HTTP {response.status_code}"
    await _record(tenant_id, _NOT_YET, delivery_id, response.status_code, reason)
    # A receiver that says when to come back (429, 503) is asked again then, not sooner.
    delay = _retry_in(claimed.attempts, parse_retry_after(response.headers.get("retry-after")), settings)
    logger.info("event delivery %s: %s; retry in %d ms", delivery_id, reason, delay)
    raise RetryLater(reason, delay)


async def _fail_endpoint(tenant_id: UUID, delivery_id: UUID, reason: str | None) -> None:
    """The delivery stays in the log as failed and its endpoint is marked failing."""
    async with tenant_tx(tenant_id):
        endpoint_id = await tx_connection().fetchval(_FAILED, delivery_id, reason)
        if endpoint_id is None:
            return  # delivered, or failed already, in the meantime
        await tx_connection().execute(
            "UPDATE event_endpoints SET failing_since = COALESCE(failing_since, now()) WHERE id = $1", endpoint_id)
    logger.warning("event delivery %s failed; endpoint %s marked failing", delivery_id, endpoint_id)


async def give_up(tenant_id: UUID | str, delivery_id: UUID | str) -> None:
    """Retries exhausted (the last attempt's error stays as the delivery's last error)."""
    await _fail_endpoint(parse_tenant_id(tenant_id), UUID(str(delivery_id)), None)
