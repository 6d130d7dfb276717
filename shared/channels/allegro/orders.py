"""Allegro order reads for the order context: checkout form, its shipments, carrier tracking, returns, refunds.

From developer.allegro.pl (order management, customer returns, payments): ``GET /order/checkout-forms/{id}``
(scope allegro:api:orders:read), ``GET /order/checkout-forms/{id}/shipments``, ``GET /order/carriers/
{carrierId}/tracking?waybill=...`` (up to 20 waybills per call), ``GET /order/customer-returns?orderId=``
(beta media type) and ``GET /payments/refunds?payment.id=`` (scope allegro:api:payments:read). Only the
fields the snapshot needs are typed; unknown fields are ignored, a wrong type is garbage (PlatformUnavailable).
"""

from __future__ import annotations

import re
from datetime import datetime

import msgspec

from shared.channels.allegro.client import BETA_V1, AllegroClient
from shared.channels.errors import PlatformRejected
from shared.channels.http import parse

MAX_WAYBILLS_PER_CALL = 20
# Ids that go into a URL path: checkout form ids are UUIDs, carrier ids upper-case words (INPOST, DPD).
_PATH_ID = re.compile(r"[A-Za-z0-9-]{1,64}")
_CARRIER_ID = re.compile(r"[A-Z0-9_]{1,40}")


class Buyer(msgspec.Struct, kw_only=True):
    id: str | None = None
    login: str | None = None


class Payment(msgspec.Struct, kw_only=True):
    id: str | None = None
    type: str | None = None
    finishedAt: datetime | None = None  # noqa: N815 - Allegro's field names


class Fulfillment(msgspec.Struct, kw_only=True):
    status: str | None = None


class DeliveryMethod(msgspec.Struct, kw_only=True):
    id: str | None = None
    name: str | None = None


class Delivery(msgspec.Struct, kw_only=True):
    method: DeliveryMethod | None = None


class Offer(msgspec.Struct, kw_only=True):
    id: str | None = None
    name: str | None = None


class LineItem(msgspec.Struct, kw_only=True):
    offer: Offer | None = None
    quantity: float = 1
    boughtAt: datetime | None = None  # noqa: N815


class CheckoutForm(msgspec.Struct, kw_only=True):
    id: str
    buyer: Buyer | None = None
    payment: Payment | None = None
    status: str | None = None
    fulfillment: Fulfillment | None = None
    delivery: Delivery | None = None
    lineItems: list[LineItem] = []  # noqa: N815
    updatedAt: datetime | None = None  # noqa: N815


class OrderShipment(msgspec.Struct, kw_only=True):
    id: str | None = None
    waybill: str | None = None
    carrierId: str | None = None  # noqa: N815
    carrierName: str | None = None  # noqa: N815
    createdAt: datetime | None = None  # noqa: N815


class OrderShipments(msgspec.Struct, kw_only=True):
    shipments: list[OrderShipment] = []


class TrackingStatus(msgspec.Struct, kw_only=True):
    occurredAt: datetime | None = None  # noqa: N815
    code: str | None = None
    description: str | None = None


class TrackingDetails(msgspec.Struct, kw_only=True):
    statuses: list[TrackingStatus] = []
    updatedAt: datetime | None = None  # noqa: N815


class WaybillTracking(msgspec.Struct, kw_only=True):
    waybill: str
    trackingDetails: TrackingDetails | None = None  # noqa: N815


class CarrierTracking(msgspec.Struct, kw_only=True):
    carrierId: str | None = None  # noqa: N815
    waybills: list[WaybillTracking] = []


class ReturnItem(msgspec.Struct, kw_only=True):
    name: str | None = None
    quantity: int | None = None


class CustomerReturn(msgspec.Struct, kw_only=True):
    id: str | None = None
    orderId: str | None = None  # noqa: N815
    createdAt: datetime | None = None  # noqa: N815
    status: str | None = None
    items: list[ReturnItem] = []


class CustomerReturns(msgspec.Struct, kw_only=True):
    customerReturns: list[CustomerReturn] = []  # noqa: N815


class Money(msgspec.Struct, kw_only=True):
    amount: str | None = None
    currency: str | None = None


class Refund(msgspec.Struct, kw_only=True):
    id: str | None = None
    status: str | None = None
    createdAt: datetime | None = None  # noqa: N815
    totalValue: Money | None = None  # noqa: N815


class Refunds(msgspec.Struct, kw_only=True):
    refunds: list[Refund] = []


def _path_id(value: str, pattern: re.Pattern = _PATH_ID) -> str:
    if not pattern.fullmatch(value or ""):
        # Never interpolated into a path unchecked: the platform would be asked for something else.
        raise PlatformRejected(400, "not an Allegro id")
    return value


async def checkout_form(client: AllegroClient, token: str, order_id: str) -> CheckoutForm:
    body = await client.request("GET", f"/order/checkout-forms/{_path_id(order_id)}", token)
    return parse(body, CheckoutForm, client.platform)


async def shipments(client: AllegroClient, token: str, order_id: str) -> list[OrderShipment]:
    body = await client.request("GET", f"/order/checkout-forms/{_path_id(order_id)}/shipments", token)
    return parse(body or {}, OrderShipments, client.platform).shipments


async def tracking(client: AllegroClient, token: str, carrier_id: str, waybills: list[str]) -> list[WaybillTracking]:
    body = await client.request("GET", f"/order/carriers/{_path_id(carrier_id, _CARRIER_ID)}/tracking", token,
                                params={"waybill": waybills[:MAX_WAYBILLS_PER_CALL]})
    return parse(body or {}, CarrierTracking, client.platform).waybills


async def customer_returns(client: AllegroClient, token: str, order_id: str) -> list[CustomerReturn]:
    body = await client.request("GET", "/order/customer-returns", token, params={"orderId": order_id, "limit": 10},
                                headers={"Accept": BETA_V1, "Content-Type": BETA_V1})
    return parse(body or {}, CustomerReturns, client.platform).customerReturns


async def refunds(client: AllegroClient, token: str, payment_id: str) -> list[Refund]:
    body = await client.request("GET", "/payments/refunds", token, params={"payment.id": payment_id, "limit": 10})
    return parse(body or {}, Refunds, client.platform).refunds
