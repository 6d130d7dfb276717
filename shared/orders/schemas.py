"""The order snapshot: what a person (and the AI) may know about the order a conversation is about.

Stored as JSON (order_snapshots.snapshot) and shown by the conversations API as is, so it is
camelCase and every field has a default (stored rows outlive deploys). Personal data stays out of
it on purpose: no address, phone, e-mail or buyer name — only what answering "where is my parcel"
needs. Sizes are bounded where it is built (`bounded`), so a huge order cannot flood the prompt.
"""

from __future__ import annotations

from datetime import datetime

import msgspec

MAX_ITEMS = 20
MAX_SHIPMENTS = 5
MAX_RETURNS = 5
MAX_REFUNDS = 5
MAX_TEXT = 200


class OrderItem(msgspec.Struct, rename="camel", kw_only=True):
    name: str = ""
    quantity: float = 1


class Shipment(msgspec.Struct, rename="camel", kw_only=True):
    carrier: str | None = None  # the display name ("InPost"), else the platform's carrier id
    waybill: str | None = None
    # The carrier's latest status as the platform reports it (Allegro: AVAILABLE_FOR_PICKUP, DELIVERED,
    # IN_TRANSIT, ISSUE, NOTICE_LEFT, PENDING, RELEASED_FOR_DELIVERY, RETURNED) and when it happened.
    status: str | None = None
    status_at: datetime | None = None


class ReturnInfo(msgspec.Struct, rename="camel", kw_only=True):
    status: str = ""  # Allegro: CREATED, DISPATCHED, IN_TRANSIT, DELIVERED, FINISHED, REJECTED, ...
    created_at: datetime | None = None


class RefundInfo(msgspec.Struct, rename="camel", kw_only=True):
    status: str = ""  # Allegro: NEW, IN_PROGRESS, SUCCESS, CANCELED, FAILURE
    amount: str | None = None
    currency: str | None = None
    created_at: datetime | None = None


class OrderSnapshot(msgspec.Struct, rename="camel", kw_only=True):
    platform: str
    order_id: str
    placed_at: datetime | None = None
    # The platform's order status (Allegro checkout form: BOUGHT, FILLED_IN, READY_FOR_PROCESSING,
    # CANCELLED; eMAG: canceled, new, in progress, prepared, finalized, returned).
    status: str | None = None
    paid: bool | None = None
    paid_at: datetime | None = None
    # The seller's fulfilment status (Allegro: NEW, PROCESSING, READY_FOR_SHIPMENT, READY_FOR_PICKUP,
    # SENT, PICKED_UP, CANCELLED, SUSPENDED).
    fulfillment_status: str | None = None
    delivery_method: str | None = None
    items: list[OrderItem] = []
    shipments: list[Shipment] = []
    returns: list[ReturnInfo] = []
    refunds: list[RefundInfo] = []


def _text(value: str | None) -> str | None:
    return None if value is None else " ".join(value.split())[:MAX_TEXT]


def bounded(snapshot: OrderSnapshot) -> OrderSnapshot:
    """The snapshot cut to the sizes the prompt and the API can carry."""
    return msgspec.structs.replace(
        snapshot, order_id=snapshot.order_id[:100], status=_text(snapshot.status),
        fulfillment_status=_text(snapshot.fulfillment_status), delivery_method=_text(snapshot.delivery_method),
        items=[OrderItem(name=_text(i.name) or "", quantity=i.quantity) for i in snapshot.items[:MAX_ITEMS]],
        shipments=[msgspec.structs.replace(s, carrier=_text(s.carrier), waybill=_text(s.waybill), status=_text(s.status))
                   for s in snapshot.shipments[:MAX_SHIPMENTS]],
        returns=snapshot.returns[:MAX_RETURNS], refunds=snapshot.refunds[:MAX_REFUNDS])


_decoder = msgspec.json.Decoder(OrderSnapshot)


def decode(raw: str | bytes) -> OrderSnapshot:
    return _decoder.decode(raw)


def encode(snapshot: OrderSnapshot) -> str:
    return msgspec.json.encode(snapshot).decode()
