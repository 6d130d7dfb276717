"""Reading an order from its platform into a snapshot, through the platform clients (their retry and
rate-limit handling: 429 honoured with Retry-After, GETs retried on 5xx within a small budget).

Only the checkout form itself is required; shipments, tracking, returns and refunds are read when the
platform answers and left out when it does not, so one failing sub-resource never hides the order.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import datetime
from uuid import UUID
from zoneinfo import ZoneInfo

from shared.channels.allegro import oauth
from shared.channels.allegro import orders as allegro
from shared.channels.allegro.client import AllegroClient
from shared.channels.connection import load_connection
from shared.channels.emag import orders as emag
from shared.channels.errors import PlatformError
from shared.channels.session import AuthorizedSession
from shared.orders.schemas import OrderItem, OrderSnapshot, RefundInfo, ReturnInfo, Shipment

logger = logging.getLogger("bokai.orders")

# Allegro's carrier ids (GET /order/carriers) as buyers know them.
CARRIER_NAMES = {"INPOST": "InPost", "DPD": "DPD", "DHL": "DHL", "UPS": "UPS", "GLS": "GLS", "FEDEX": "FedEx",
                 "POCZTA_POLSKA": "Poczta Polska", "ORLEN": "Orlen Paczka", "ALLEGRO": "Allegro One",
                 "AMBRO_EXPRESS": "Ambro Express", "GEIS": "Geis", "RABEN": "Raben"}
MAX_TRACKED_CARRIERS = 3
NOT_THIS_BUYER = "order of another buyer"
# eMAG's order dates are local time without a zone; its marketplaces are ro/bg/hu, one zone apart at most.
EMAG_TIME_ZONE = ZoneInfo("Europe/Bucharest")


class OrderUnavailable(Exception):
    """The order cannot be shown for this conversation (not found, not this buyer's): a short reason."""


async def _optional(label: str, read: Callable[[], Awaitable]) -> list:
    try:
        return await read()
    except PlatformError as failed:
        logger.info("order part %s skipped: %s", label, type(failed).__name__)
        return []


def _latest(statuses: list[allegro.TrackingStatus]) -> allegro.TrackingStatus | None:
    dated = [s for s in statuses if s.code]
    return max(dated, key=lambda s: s.occurredAt or datetime.min.replace(tzinfo=EMAG_TIME_ZONE), default=None)


async def fetch_allegro(tenant_id: UUID, account_id: UUID, order_id: str, customer: str | None) -> OrderSnapshot:
    connection = await load_connection(tenant_id, account_id, platform="allegro", allow_status=("connected", "paused"))
    session = AuthorizedSession(connection, oauth.refresh, "Allegro")
    async with AllegroClient() as client:
        form = await session.call(lambda token: allegro.checkout_form(client, token, order_id))
        buyer = form.buyer.login if form.buyer else None
        if form.id != order_id or (customer and buyer and buyer.casefold() != customer.casefold()):
            # The thread's buyer is not the order's: nothing of it may reach this conversation.
            raise OrderUnavailable(NOT_THIS_BUYER)
        parcels = await _optional("shipments", lambda: session.call(
            lambda token: allegro.shipments(client, token, order_id)))
        latest: dict[str, allegro.TrackingStatus] = {}
        by_carrier: dict[str, list[str]] = {}
        for parcel in parcels:
            if parcel.carrierId and parcel.waybill:
                by_carrier.setdefault(parcel.carrierId, []).append(parcel.waybill)
        for carrier, waybills in list(by_carrier.items())[:MAX_TRACKED_CARRIERS]:
            tracked = await _optional("tracking", lambda: session.call(
                lambda token: allegro.tracking(client, token, carrier, waybills)))
            for entry in tracked:
                status = _latest(entry.trackingDetails.statuses) if entry.trackingDetails else None
                if status is not None:
                    latest[entry.waybill] = status
        returns = await _optional("returns", lambda: session.call(
            lambda token: allegro.customer_returns(client, token, order_id)))
        payment_id = form.payment.id if form.payment else None
        refunds = await _optional("refunds", lambda: session.call(
            lambda token: allegro.refunds(client, token, payment_id))) if payment_id else []
    return OrderSnapshot(
        platform="allegro", order_id=form.id,
        placed_at=min((i.boughtAt for i in form.lineItems if i.boughtAt), default=None),
        status=form.status, paid=(form.payment.finishedAt is not None) if form.payment else None,
        paid_at=form.payment.finishedAt if form.payment else None,
        fulfillment_status=form.fulfillment.status if form.fulfillment else None,
        delivery_method=form.delivery.method.name if form.delivery and form.delivery.method else None,
        items=[OrderItem(name=(i.offer.name if i.offer else None) or "", quantity=i.quantity) for i in form.lineItems],
        shipments=[Shipment(carrier=CARRIER_NAMES.get(p.carrierId or "") or p.carrierName or p.carrierId,
                            waybill=p.waybill, status=(latest.get(p.waybill or "") or allegro.TrackingStatus()).code,
                            status_at=(latest.get(p.waybill or "") or allegro.TrackingStatus()).occurredAt)
                   for p in parcels],
        returns=[ReturnInfo(status=r.status or "", created_at=r.createdAt) for r in returns
                 if r.orderId in (None, form.id)],
        refunds=[RefundInfo(status=r.status or "", amount=r.totalValue.amount if r.totalValue else None,
                            currency=r.totalValue.currency if r.totalValue else None, created_at=r.createdAt)
                 for r in refunds])


def snapshot_from_emag(context: dict) -> OrderSnapshot:
    """The snapshot of eMAG's order context (shared.channels.emag.orders.context_of)."""
    placed = None
    try:
        placed = datetime.strptime(context.get("placedAt") or "", "%Y-%m-%d %H:%M:%S").replace(tzinfo=EMAG_TIME_ZONE)
    except ValueError:
        pass
    return OrderSnapshot(
        platform="emag", order_id=str(context["orderId"]), placed_at=placed, status=context.get("status"),
        items=[OrderItem(name=p.get("name") or p.get("partNumber") or "", quantity=p.get("quantity") or 1)
               for p in context.get("products") or []])


async def fetch_emag(tenant_id: UUID, account_id: UUID, order_id: str, customer: str | None) -> OrderSnapshot:
    context = await emag.read_order(tenant_id, account_id, order_id)
    if context is None:
        raise OrderUnavailable("order not readable")
    return snapshot_from_emag(context)


FETCHERS: dict[str, Callable[[UUID, UUID, str, str | None], Awaitable[OrderSnapshot]]] = {
    "allegro": fetch_allegro, "emag": fetch_emag}
