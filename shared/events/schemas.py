"""Event webhook API shapes and the event envelope (camelCase at the edge); every new field has a default."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

EventType = Literal["conversation.needs_human", "reply.drafted", "reply.sent", "reply.failed", "channel.broken",
                    "document.ingested"]
EVENT_TYPES: tuple[str, ...] = EventType.__args__

Url = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Description = Annotated[str, msgspec.Meta(max_length=255)]
EventTypes = Annotated[list[EventType], msgspec.Meta(min_length=1, max_length=len(EVENT_TYPES))]


class EndpointCreate(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    url: Url
    event_types: EventTypes
    description: Description | None = None
    enabled: bool = True


class EndpointPatch(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=True):
    """Only the fields sent change; enabling an endpoint again also clears its failing state."""

    url: Url | msgspec.UnsetType = msgspec.UNSET
    event_types: EventTypes | msgspec.UnsetType = msgspec.UNSET
    description: Description | None | msgspec.UnsetType = msgspec.UNSET
    enabled: bool | msgspec.UnsetType = msgspec.UNSET


class EndpointView(msgspec.Struct, kw_only=True, rename="camel"):
    id: UUID
    url: str
    description: str | None = None
    event_types: list[str]
    enabled: bool
    # active | failing (a delivery exhausted its retries; events are still attempted) | disabled
    state: str
    failing_since: datetime | None = None
    created_at: datetime
    updated_at: datetime


class EndpointList(msgspec.Struct, kw_only=True, rename="camel"):
    items: list[EndpointView]


class EndpointCreated(msgspec.Struct, kw_only=True, rename="camel"):
    endpoint: EndpointView
    # Shown once: verify each delivery's X-BokAI-Signature with it.
    signing_secret: str


class DeliveryView(msgspec.Struct, kw_only=True, rename="camel"):
    id: UUID
    endpoint_id: UUID
    event_id: UUID
    event_type: str
    # pending (being delivered or waiting for a retry) | delivered | failed (retries exhausted)
    status: str
    attempts: int
    response_code: int | None = None
    last_error: str | None = None
    created_at: datetime
    last_attempt_at: datetime | None = None
    delivered_at: datetime | None = None


class DeliveryList(msgspec.Struct, kw_only=True, rename="camel"):
    items: list[DeliveryView]


class Event(msgspec.Struct, kw_only=True, rename="camel"):
    """The JSON body of every delivery; ``id`` is also the Idempotency-Key header."""

    id: str
    type: str
    created_at: datetime
    tenant_id: str
    data: dict
