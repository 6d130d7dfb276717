"""A seller's subscription (``tenants.subscription_plan`` / ``subscription_status``), written from billing events.

Each change — a webhook delivery from the payment system or an operator's command — is an event with
an id and the time it happened. It is recorded once in the inbox (``inbox_events``, source
``billing``, ``UNIQUE (source, external_id)``) in the same transaction that applies it, so:
- a redelivered event (same id) changes nothing (``duplicate``);
- an event older than the newest one applied for that seller is recorded but not applied (``stale``):
  payment systems do not promise delivery order.
The tenant row is locked while deciding, so two concurrent events apply in time order.
Access tokens carry the status they were issued with; a change reaches a seller's sessions at their
next token refresh (15 min at most).
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec
from msgspec import Meta

from shared.infra.field_patterns import whole_value
from shared.tenancy.db import tenant_tx, tx_connection

Status = Literal["active", "trialing", "past_due", "canceled"]
Plan = Annotated[str, Meta(pattern=whole_value(r"[a-z0-9][a-z0-9_-]{0,49}",
                                               "must be a plan name: up to 50 lower-case letters, digits, _ or -"),
                           examples=["basic", "pro"])]
SOURCE = "billing"


class SubscriptionEvent(msgspec.Struct, kw_only=True, rename="camel", forbid_unknown_fields=False):
    id: Annotated[str, Meta(min_length=1, max_length=255, examples=["evt_1Q2w3E"])]
    occurred_at: datetime
    tenant_id: UUID
    plan: Plan
    status: Status
    type: Annotated[str, Meta(max_length=60)] = "subscription.updated"


class Outcome(msgspec.Struct, kw_only=True, rename="camel"):
    applied: bool
    duplicate: bool = False
    stale: bool = False


class UnknownTenant(Exception):
    pass


async def apply_event(event: SubscriptionEvent) -> Outcome:
    if event.occurred_at.tzinfo is None:
        raise ValueError("occurredAt needs a time zone (e.g. 2026-11-26T02:00:00Z)")
    async with tenant_tx(event.tenant_id):
        connection = tx_connection()
        if await connection.fetchval("SELECT 1 FROM tenants WHERE id = $1 FOR UPDATE", event.tenant_id) is None:
            raise UnknownTenant(str(event.tenant_id))
        payload = {"plan": event.plan, "status": event.status, "occurredAt": event.occurred_at.isoformat()}
        recorded = await connection.fetchval(
            """INSERT INTO inbox_events (id, tenant_id, source, external_id, event_type, payload, status, processed_at)
               VALUES ($1, $2, $3, $4, $5, $6::jsonb, 'processed', now())
               ON CONFLICT (source, external_id) DO NOTHING RETURNING id""",
            uuid.uuid4(), event.tenant_id, SOURCE, event.id, event.type[:60], json.dumps(payload))
        if recorded is None:
            return Outcome(applied=False, duplicate=True)
        newest = await connection.fetchval(
            """SELECT max((payload->>'occurredAt')::timestamptz) FROM inbox_events
               WHERE tenant_id = $1 AND source = $2 AND id <> $3""", event.tenant_id, SOURCE, recorded)
        if newest is not None and newest > event.occurred_at:
            return Outcome(applied=False, stale=True)
        await connection.execute(
            "UPDATE tenants SET subscription_plan = $2, subscription_status = $3, updated_at = now() WHERE id = $1",
            event.tenant_id, event.plan, event.status)
    return Outcome(applied=True)
