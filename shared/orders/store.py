"""Reading and writing a conversation's order row (RLS-scoped, one per conversation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import msgspec

from shared.orders.schemas import OrderSnapshot, bounded, decode, encode
from shared.tenancy.db import tenant_tx, tx_connection


@dataclass(frozen=True, slots=True)
class LinkedOrder:
    tenant_id: UUID
    conversation_id: UUID
    platform: str
    order_id: str
    account_id: UUID | None
    snapshot: OrderSnapshot | None
    fetched_at: datetime | None
    attempted_at: datetime | None
    last_error: str | None
    # Who the conversation is with, as the platform names them (Allegro: the buyer's login).
    customer_name: str | None


_LOAD = """
SELECT o.platform, o.order_id, o.account_id, o.snapshot::text AS snapshot, o.fetched_at, o.attempted_at,
       o.last_error, c.customer_name
  FROM order_snapshots o JOIN conversations c ON c.id = o.conversation_id
 WHERE o.tenant_id = $1 AND o.conversation_id = $2
"""
_SAVE = """
UPDATE order_snapshots SET snapshot = $3::jsonb, fetched_at = $4, attempted_at = $4, last_error = NULL,
                           updated_at = now()
 WHERE tenant_id = $1 AND conversation_id = $2 AND order_id = $5
"""
_FAILED = """
UPDATE order_snapshots SET attempted_at = $3, last_error = $4, updated_at = now(),
                           snapshot = CASE WHEN $5 THEN NULL ELSE snapshot END,
                           fetched_at = CASE WHEN $5 THEN NULL ELSE fetched_at END
 WHERE tenant_id = $1 AND conversation_id = $2
"""
_CONVERSATIONS_OF_ORDER = """
SELECT conversation_id FROM order_snapshots WHERE tenant_id = $1 AND platform = $2 AND order_id = $3
"""


async def load(tenant_id: UUID, conversation_id: UUID) -> LinkedOrder | None:
    async with tenant_tx(tenant_id):
        row = await tx_connection().fetchrow(_LOAD, tenant_id, conversation_id)
    if row is None:
        return None
    snapshot = None
    if row["snapshot"]:
        try:
            snapshot = decode(row["snapshot"])
        except (msgspec.DecodeError, msgspec.ValidationError):
            snapshot = None  # a row written by an older shape: fetched again
    return LinkedOrder(tenant_id, conversation_id, row["platform"], row["order_id"], row["account_id"], snapshot,
                       row["fetched_at"], row["attempted_at"], row["last_error"], row["customer_name"])


async def save_snapshot(tenant_id: UUID, conversation_id: UUID, snapshot: OrderSnapshot, at: datetime) -> bool:
    """False when the conversation is tied to another order (or to none): nothing is written."""
    snapshot = bounded(snapshot)
    async with tenant_tx(tenant_id):
        status = await tx_connection().execute(_SAVE, tenant_id, conversation_id, encode(snapshot), at,
                                               snapshot.order_id)
    return status == "UPDATE 1"


async def save_failure(tenant_id: UUID, conversation_id: UUID, reason: str, at: datetime, *,
                       forget: bool = False) -> None:
    """``forget``: the order turned out not to be this conversation's; what was stored is dropped."""
    async with tenant_tx(tenant_id):
        await tx_connection().execute(_FAILED, tenant_id, conversation_id, at, reason[:200], forget)


async def conversations_of_order(tenant_id: UUID, platform: str, order_id: str) -> list[UUID]:
    async with tenant_tx(tenant_id):
        rows = await tx_connection().fetch(_CONVERSATIONS_OF_ORDER, tenant_id, platform, order_id)
    return [r["conversation_id"] for r in rows]
