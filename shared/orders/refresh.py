"""Keeping a conversation's order snapshot fresh enough to answer from, without ever blocking a reply.

A new customer message refreshes the snapshot when it is older than FRESH_FOR; a failed fetch is
logged (the failure's kind only, never a body) and remembered on the row, is not retried for
RETRY_FAILED_AFTER (a platform answering 429/5xx is not hammered once per message), and the caller
goes on with the last good snapshot or none.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from uuid import UUID

from shared.channels.errors import PlatformError
from shared.orders import store
from shared.orders.fetchers import FETCHERS, NOT_THIS_BUYER, OrderUnavailable
from shared.orders.schemas import OrderSnapshot, bounded
from shared.orders.store import LinkedOrder

logger = logging.getLogger("bokai.orders")

FRESH_FOR = timedelta(minutes=5)
RETRY_FAILED_AFTER = timedelta(minutes=1)
# A reply waits at most this long for the platform (the client's own 429/5xx retries included).
FETCH_TIMEOUT_SECONDS = 15.0


def _stale(order: LinkedOrder, now: datetime) -> bool:
    if order.fetched_at is not None and now - order.fetched_at < FRESH_FOR:
        return False
    return order.attempted_at is None or now - order.attempted_at >= RETRY_FAILED_AFTER


async def refresh(order: LinkedOrder, now: datetime) -> LinkedOrder:
    """Fetch and store the snapshot now; on any failure keep what there was. Never raises."""
    fetcher = FETCHERS.get(order.platform)
    if fetcher is None or order.account_id is None:
        return order  # no order API for this platform here: linked only
    try:
        snapshot = await asyncio.wait_for(
            fetcher(order.tenant_id, order.account_id, order.order_id, order.customer_name), FETCH_TIMEOUT_SECONDS)
    except (PlatformError, OrderUnavailable, TimeoutError) as failed:
        reason = str(failed) if isinstance(failed, OrderUnavailable) else type(failed).__name__
        return await _failed(order, reason, now)
    except Exception as failed:  # noqa: BLE001 - an order is a nice-to-have; the reply must go on
        logger.exception("order fetch crashed tenant=%s conversation=%s", order.tenant_id, order.conversation_id)
        return await _failed(order, type(failed).__name__, now)
    try:
        if not await store.save_snapshot(order.tenant_id, order.conversation_id, snapshot, now):
            return order
        return (await store.load(order.tenant_id, order.conversation_id)) or order
    except Exception:  # noqa: BLE001 - not stored this time: the reply still goes on with what was read
        logger.exception("order snapshot not stored tenant=%s conversation=%s", order.tenant_id,
                         order.conversation_id)
        return replace(order, snapshot=bounded(snapshot), fetched_at=now, attempted_at=now, last_error=None)


async def _failed(order: LinkedOrder, reason: str, now: datetime) -> LinkedOrder:
    logger.warning("order context unavailable tenant=%s conversation=%s platform=%s: %s", order.tenant_id,
                   order.conversation_id, order.platform, reason)
    try:
        await store.save_failure(order.tenant_id, order.conversation_id, reason, now, forget=reason == NOT_THIS_BUYER)
    except Exception:  # noqa: BLE001 - remembering the failure is best effort too
        logger.exception("order failure not recorded tenant=%s", order.tenant_id)
    failed = replace(order, attempted_at=now, last_error=reason)
    # A snapshot stored earlier of an order that is not this buyer's is not shown any more.
    return replace(failed, snapshot=None, fetched_at=None) if reason == NOT_THIS_BUYER else failed


def needs_refresh(order: LinkedOrder, now: datetime) -> bool:
    """True when generating a reply would fetch the order again (stale, and not just failed)."""
    return order.account_id is not None and order.platform in FETCHERS and _stale(order, now)


async def order_for_reply(tenant_id: UUID, conversation_id: UUID, *, now: datetime | None = None,
                          fetch: bool = True) -> LinkedOrder | None:
    """The conversation's order, refreshed if stale (only with ``fetch``: the live decision never
    waits for a marketplace); None when it has none. Never raises."""
    now = now or datetime.now(timezone.utc)
    try:
        order = await store.load(tenant_id, conversation_id)
    except Exception:  # noqa: BLE001
        logger.exception("order context not loaded tenant=%s conversation=%s", tenant_id, conversation_id)
        return None
    if order is None or not fetch or not _stale(order, now):
        return order
    return await refresh(order, now)


async def refresh_order(tenant_id: UUID, platform: str, order_id: str, *, now: datetime | None = None) -> int:
    """The platform says the order changed (an eMAG order callback): every conversation tied to it is
    refreshed now, whatever its age. Returns how many snapshots were stored."""
    now = now or datetime.now(timezone.utc)
    stored = 0
    for conversation_id in await store.conversations_of_order(tenant_id, platform, order_id):
        order = await store.load(tenant_id, conversation_id)
        if order is not None and (await refresh(order, now)).fetched_at == now:
            stored += 1
    return stored


async def keep_fetched(tenant_id: UUID, conversation_id: UUID, snapshot: OrderSnapshot,
                       now: datetime | None = None) -> None:
    """Store a snapshot read while the message was recorded (eMAG reads the order to enrich the mail),
    so the conversation shows its order at once without a second call to the platform."""
    await store.save_snapshot(tenant_id, conversation_id, snapshot, now or datetime.now(timezone.utc))
