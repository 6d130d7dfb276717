"""A seller's event webhook endpoints (admin only) and their delivery log."""

from __future__ import annotations

import secrets
import time
import uuid
from uuid import UUID

import msgspec

from shared.channels.credentials import CredentialCipher, CredentialsError
from shared.events.emit import DELIVER_ACTOR
from shared.events.schemas import (
    EVENT_TYPES,
    DeliveryList,
    DeliveryView,
    EndpointCreate,
    EndpointCreated,
    EndpointList,
    EndpointPatch,
    EndpointView,
)
from shared.events.settings import event_settings
from shared.events.urls import UnresolvableUrl, UnsafeUrl, check_url
from shared.outbox.staging import publish, stage
from shared.tenancy.db import tenant_tx, tx_connection

ENDPOINT_MISSING = "No such webhook endpoint."
DELIVERY_MISSING = "No such event delivery."
DELIVERY_STATUSES = ("pending", "delivered", "failed")
_COLUMNS = "id, url, description, event_types, enabled, failing_since, created_at, updated_at"


class EventsError(Exception):
    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message, self.field = message, field


class NotFound(EventsError):
    """Also for other sellers' ids: their existence is never confirmed."""


class InvalidRequest(EventsError):
    pass


class LimitReached(EventsError):
    pass


def _view(row) -> EndpointView:
    types = row["event_types"]
    types = msgspec.json.decode(types) if isinstance(types, (str, bytes)) else types
    state = "disabled" if not row["enabled"] else "failing" if row["failing_since"] else "active"
    return EndpointView(id=row["id"], url=row["url"], description=row["description"], event_types=types,
                        enabled=row["enabled"], state=state, failing_since=row["failing_since"],
                        created_at=row["created_at"], updated_at=row["updated_at"])


async def _checked_url(url: str) -> str:
    url = url.strip()
    try:
        await check_url(url, event_settings())
    except UnsafeUrl as refused:
        raise InvalidRequest(str(refused), "url") from None
    except UnresolvableUrl:
        pass  # DNS may be down for a moment; every delivery checks the address again
    return url


def _types(event_types: list[str]) -> str:
    # Deduplicated, in the documented order.
    return msgspec.json.encode([t for t in EVENT_TYPES if t in event_types]).decode()


def new_signing_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


async def create_endpoint(tenant_id: UUID, data: EndpointCreate) -> EndpointCreated:
    url = await _checked_url(data.url)
    endpoint_id, secret = uuid.uuid4(), new_signing_secret()
    sealed = CredentialCipher().encrypt(tenant_id, endpoint_id, {"signingSecret": secret})
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        # Serialises two creations at once, so the limit holds.
        await connection.execute("SELECT pg_advisory_xact_lock(hashtextextended('event_endpoints:' || $1, 0))",
                                 str(tenant_id))
        if await connection.fetchval("SELECT count(*) FROM event_endpoints") >= event_settings().max_endpoints:
            raise LimitReached(f"A seller can have at most {event_settings().max_endpoints} webhook endpoints; "
                               "delete one first.")
        row = await connection.fetchrow(
            f"""INSERT INTO event_endpoints (id, tenant_id, url, description, event_types, secret_encrypted, enabled,
                                            created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, now(), now()) RETURNING {_COLUMNS}""",
            endpoint_id, tenant_id, url, data.description, _types(data.event_types), sealed, data.enabled)
    return EndpointCreated(endpoint=_view(row), signing_secret=secret)


async def rotate_secret(tenant_id: UUID, endpoint_id: UUID) -> EndpointCreated:
    """A new signing secret, shown once; the current one keeps signing beside it for the overlap."""
    cipher, secret = CredentialCipher(), new_signing_secret()
    async with tenant_tx(tenant_id):
        current = await tx_connection().fetchrow(
            "SELECT secret_encrypted FROM event_endpoints WHERE id = $1 FOR UPDATE", endpoint_id)
        if current is None:
            raise NotFound(ENDPOINT_MISSING)
        try:
            previous = cipher.decrypt(tenant_id, endpoint_id, bytes(current["secret_encrypted"]))["signingSecret"]
        except (CredentialsError, KeyError, TypeError):
            previous = None  # unreadable: nothing to keep signing with
        sealed = cipher.encrypt(tenant_id, endpoint_id, {
            "signingSecret": secret, "previousSecret": previous,
            "previousUntil": int(time.time()) + event_settings().rotation_overlap_seconds})
        row = await tx_connection().fetchrow(
            f"UPDATE event_endpoints SET secret_encrypted = $2, updated_at = now() WHERE id = $1 RETURNING {_COLUMNS}",
            endpoint_id, sealed)
    return EndpointCreated(endpoint=_view(row), signing_secret=secret)


async def list_endpoints(tenant_id: UUID) -> EndpointList:
    async with tenant_tx(tenant_id):
        rows = await tx_connection().fetch(f"SELECT {_COLUMNS} FROM event_endpoints ORDER BY created_at, id")
    return EndpointList(items=[_view(r) for r in rows])


async def get_endpoint(tenant_id: UUID, endpoint_id: UUID) -> EndpointView:
    async with tenant_tx(tenant_id):
        row = await tx_connection().fetchrow(f"SELECT {_COLUMNS} FROM event_endpoints WHERE id = $1", endpoint_id)
    if row is None:
        raise NotFound(ENDPOINT_MISSING)
    return _view(row)


async def change_endpoint(tenant_id: UUID, endpoint_id: UUID, data: EndpointPatch) -> EndpointView:
    changes: dict[str, object] = {}
    if data.url is not msgspec.UNSET:
        changes["url"] = await _checked_url(data.url)
    if data.event_types is not msgspec.UNSET:
        changes["event_types"] = _types(data.event_types)
    if data.description is not msgspec.UNSET:
        changes["description"] = data.description
    if data.enabled is not msgspec.UNSET:
        changes["enabled"] = data.enabled
    assignments = [f"{name} = ${i}" + ("::jsonb" if name == "event_types" else "")
                   for i, name in enumerate(changes, start=2)]
    if data.enabled is True:
        assignments.append("failing_since = NULL")  # switched on again: a fresh start
    async with tenant_tx(tenant_id):
        row = await tx_connection().fetchrow(
            f"UPDATE event_endpoints SET {', '.join([*assignments, 'updated_at = now()'])} "
            f"WHERE id = $1 RETURNING {_COLUMNS}", endpoint_id, *changes.values())
    if row is None:
        raise NotFound(ENDPOINT_MISSING)
    return _view(row)


async def delete_endpoint(tenant_id: UUID, endpoint_id: UUID) -> None:
    """Its delivery log goes with it; deliveries in flight find nothing to do."""
    async with tenant_tx(tenant_id):
        deleted = await tx_connection().fetchval("DELETE FROM event_endpoints WHERE id = $1 RETURNING id",
                                                 endpoint_id)
    if deleted is None:
        raise NotFound(ENDPOINT_MISSING)


_DELIVERY_COLUMNS = ("id, endpoint_id, event_id, event_type, status, attempts, response_code, last_error, "
                     "created_at, last_attempt_at, delivered_at")


def _delivery_view(row) -> DeliveryView:
    return DeliveryView(**{k: row[k] for k in row.keys()})


async def list_deliveries(tenant_id: UUID, *, endpoint_id: UUID | None = None, status: str | None = None,
                          event_type: str | None = None, limit: int = 50) -> DeliveryList:
    """Newest first."""
    if status is not None and status not in DELIVERY_STATUSES:
        raise InvalidRequest(f"status must be one of: {', '.join(DELIVERY_STATUSES)}.", "status")
    if event_type is not None and event_type not in EVENT_TYPES:
        raise InvalidRequest(f"eventType must be one of: {', '.join(EVENT_TYPES)}.", "eventType")
    if not 1 <= limit <= 200:
        raise InvalidRequest("limit must be between 1 and 200.", "limit")
    async with tenant_tx(tenant_id):
        rows = await tx_connection().fetch(
            f"""SELECT {_DELIVERY_COLUMNS} FROM event_deliveries
                 WHERE ($1::uuid IS NULL OR endpoint_id = $1) AND ($2::text IS NULL OR status = $2)
                   AND ($3::text IS NULL OR event_type = $3)
                 ORDER BY created_at DESC, id DESC LIMIT $4""", endpoint_id, status, event_type, limit)
    return DeliveryList(items=[_delivery_view(r) for r in rows])


async def redeliver(tenant_id: UUID, delivery_id: UUID) -> DeliveryView:
    """A failed delivery goes out again (same event id, so a receiver that got it ignores the copy)."""
    async with tenant_tx(tenant_id):
        row = await tx_connection().fetchrow(
            f"""UPDATE event_deliveries SET status = 'pending', last_error = NULL
                 WHERE id = $1 AND status = 'failed' RETURNING {_DELIVERY_COLUMNS}""", delivery_id)
        if row is None:
            current = await tx_connection().fetchval("SELECT status FROM event_deliveries WHERE id = $1", delivery_id)
            if current is None:
                raise NotFound(DELIVERY_MISSING)
            row = await tx_connection().fetchrow(
                f"SELECT {_DELIVERY_COLUMNS} FROM event_deliveries WHERE id = $1", delivery_id)
            return _delivery_view(row)  # pending or delivered already: nothing to do
        job = await stage(tenant_id, *DELIVER_ACTOR, str(tenant_id), str(delivery_id))
    await publish(job)
    return _delivery_view(row)
