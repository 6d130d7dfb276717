"""Allegro order-management contract fake: checkout forms, their shipments, carrier tracking, customer
returns and payment refunds, mounted on an AllegroFake (same tokens, same Accept checks).

From developer.allegro.pl (REST API reference, "Order management", "Customer returns", "Payments"):
- ``GET /order/checkout-forms/{id}``: ``{id, messageToSeller, buyer {id, email, login, firstName, lastName,
  phoneNumber, address, ...}, payment {id, type, provider, finishedAt, paidAmount}, status (BOUGHT |
  FILLED_IN | READY_FOR_PROCESSING | CANCELLED), fulfillment {status (NEW | PROCESSING | READY_FOR_SHIPMENT |
  READY_FOR_PICKUP | SENT | PICKED_UP | CANCELLED | SUSPENDED), shipmentSummary}, delivery {address, method
  {id, name}, pickupPoint, cost, time, smart}, lineItems [{id, offer {id, name}, quantity, price, boughtAt}],
  summary, updatedAt, revision}``; another seller's or an unknown id is 404 ``NotFoundException``.
- ``GET /order/checkout-forms/{id}/shipments``: ``{shipments: [{id, waybill, carrierId, carrierName,
  lineItems, createdAt}]}``.
- ``GET /order/carriers/{carrierId}/tracking?waybill=..`` (repeatable, max 20): ``{carrierId, waybills:
  [{waybill, trackingDetails {statuses [{occurredAt, code, description}], createdAt, updatedAt}}]}``,
  codes PENDING, IN_TRANSIT, RELEASED_FOR_DELIVERY, AVAILABLE_FOR_PICKUP, NOTICE_LEFT, DELIVERED, RETURNED, ISSUE.
- ``GET /order/customer-returns?orderId=`` (beta media type): ``{customerReturns: [{id, createdAt,
  referenceNumber, orderId, buyer {email, login}, items [{offerId, quantity, name, reason}], parcels
  [{waybill, carrierId, sender {phoneNumber}}], status (CREATED | DISPATCHED | IN_TRANSIT | DELIVERED |
  FINISHED | REJECTED | ...)}], count}``.
- ``GET /payments/refunds?payment.id=``: ``{refunds: [{id, payment {id}, reason, status (NEW | IN_PROGRESS |
  SUCCESS | CANCELED | FAILURE), createdAt, totalValue {amount, currency}}], count, totalCount}``.
"""

from __future__ import annotations

import itertools
import uuid
from datetime import datetime, timedelta, timezone

from tests.fakes.allegro import BETA, AllegroFake, iso
from tests.fakes.base import FakeRequest, Reply

NOT_FOUND = {"errors": [{"code": "NotFoundException", "message": "Checkout form not found",
                         "userMessage": "Nie znaleziono zamówienia"}]}


class AllegroOrders:
    def __init__(self, fake: AllegroFake) -> None:
        self.fake = fake
        self.forms: dict[str, dict] = {}
        self.shipments: dict[str, list[dict]] = {}
        self.tracking: dict[tuple[str, str], list[dict]] = {}
        self.returns: list[dict] = []
        self.refunds: list[dict] = []
        self._ids = itertools.count(1)
        fake.route("GET", r"/order/checkout-forms/(?P<form>[^/]+)", fake._api(self._form))
        fake.route("GET", r"/order/checkout-forms/(?P<form>[^/]+)/shipments", fake._api(self._shipments))
        fake.route("GET", r"/order/carriers/(?P<carrier>[^/]+)/tracking", fake._api(self._tracking))
        fake.route("GET", "/order/customer-returns", fake._api(self._returns, BETA))
        fake.route("GET", "/payments/refunds", fake._api(self._refunds))

    # --- test controls -------------------------------------------------------------------
    def add_order(self, *, buyer: str = "kupujacy_1", items: tuple[tuple[str, int], ...] = (("Rower Vento City 28", 1),),
                  paid: bool = True, fulfillment: str = "PROCESSING", bought_at: datetime | None = None,
                  delivery: str = "Allegro Paczkomaty InPost", form_id: str | None = None) -> str:
        form_id = form_id or str(uuid.uuid4())
        bought = bought_at or datetime.now(timezone.utc) - timedelta(days=3)
        payment_id = str(uuid.uuid4())
        self.forms[form_id] = {
            "id": form_id, "messageToSeller": "Proszę o szybką wysyłkę",
            "buyer": {"id": "77001", "email": f"{buyer}@allegromail.pl", "login": buyer, "firstName": "Jan",
                      "lastName": "Kowalski", "companyName": None, "guest": False, "personalIdentity": None,
                      "phoneNumber": "600100200", "preferences": {"language": "pl-PL"},
                      "address": {"street": "Długa 5", "city": "Kraków", "postCode": "30-001", "countryCode": "PL"}},
            "payment": {"id": payment_id, "type": "ONLINE", "provider": "P24",
                        "finishedAt": iso(bought + timedelta(minutes=2)) if paid else None,
                        "paidAmount": {"amount": "1299.00", "currency": "PLN"} if paid else None},
            "status": "READY_FOR_PROCESSING" if paid else "FILLED_IN",
            "fulfillment": {"status": fulfillment, "shipmentSummary": {"lineItemsSent": "NONE"}},
            "delivery": {"address": {"firstName": "Jan", "lastName": "Kowalski", "street": "Długa 5",
                                     "city": "Kraków", "zipCode": "30-001", "countryCode": "PL",
                                     "phoneNumber": "600100200"},
                         "method": {"id": "2488f7b7-5d1c-4d65-b85c-4cbcf253fd93", "name": delivery},
                         "pickupPoint": None, "cost": {"amount": "9.99", "currency": "PLN"}, "smart": True,
                         "calculatedNumberOfPackages": 1},
            "invoice": {"required": False},
            "lineItems": [{"id": str(uuid.uuid4()), "offer": {"id": str(10_000_000 + next(self._ids)), "name": name,
                                                               "external": None},
                           "quantity": quantity, "originalPrice": {"amount": "1299.00", "currency": "PLN"},
                           "price": {"amount": "1299.00", "currency": "PLN"}, "boughtAt": iso(bought)}
                          for name, quantity in items],
            "surcharges": [], "discounts": [], "note": None, "marketplace": {"id": "allegro-pl"},
            "summary": {"totalToPay": {"amount": "1308.99", "currency": "PLN"}},
            "updatedAt": iso(bought), "revision": "a1b2c3"}
        return form_id

    def ship(self, form_id: str, carrier_id: str, waybill: str, *statuses: tuple[str, datetime]) -> None:
        """A parcel of the order with the carrier's status history (code, occurredAt)."""
        self.forms[form_id]["fulfillment"]["status"] = "SENT"
        self.shipments.setdefault(form_id, []).append({
            "id": str(uuid.uuid4()), "waybill": waybill, "carrierId": carrier_id, "carrierName": None,
            "lineItems": [{"id": item["id"]} for item in self.forms[form_id]["lineItems"]],
            "createdAt": iso(datetime.now(timezone.utc) - timedelta(days=2))})
        self.tracking[(carrier_id, waybill)] = [{"occurredAt": iso(at), "code": code, "description": None}
                                                for code, at in statuses]

    def add_return(self, form_id: str, status: str = "IN_TRANSIT") -> None:
        form = self.forms[form_id]
        self.returns.append({
            "id": str(uuid.uuid4()), "createdAt": iso(datetime.now(timezone.utc) - timedelta(days=1)),
            "referenceNumber": f"ZW-{next(self._ids)}", "orderId": form_id,
            "buyer": {"email": form["buyer"]["email"], "login": form["buyer"]["login"]},
            "items": [{"offerId": i["offer"]["id"], "quantity": i["quantity"], "name": i["offer"]["name"],
                       "reason": {"type": "DONT_LIKE_IT", "userComment": "Nie pasuje"}} for i in form["lineItems"]],
            "parcels": [{"waybill": "RET123", "carrierId": "INPOST", "sender": {"phoneNumber": "600100200"}}],
            "marketplaceId": "allegro-pl", "status": status})

    def add_refund(self, form_id: str, amount: str, status: str = "SUCCESS") -> None:
        self.refunds.append({"id": str(uuid.uuid4()), "payment": {"id": self.forms[form_id]["payment"]["id"]},
                             "reason": "REFUND", "status": status,
                             "createdAt": iso(datetime.now(timezone.utc) - timedelta(hours=5)),
                             "totalValue": {"amount": amount, "currency": "PLN"}})

    # --- API -------------------------------------------------------------------------------
    def _form(self, request: FakeRequest, user: str) -> Reply:
        form = self.forms.get(request.params["form"])
        return Reply(200, form) if form else Reply(404, NOT_FOUND)

    def _shipments(self, request: FakeRequest, user: str) -> Reply:
        if request.params["form"] not in self.forms:
            return Reply(404, NOT_FOUND)
        return Reply(200, {"shipments": self.shipments.get(request.params["form"], [])})

    def _tracking(self, request: FakeRequest, user: str) -> Reply:
        carrier = request.params["carrier"]
        waybills = request.query_lists.get("waybill", [])
        if not waybills or len(waybills) > 20:
            return Reply(422, {"errors": [{"code": "VALIDATION_ERROR", "message": "1 to 20 waybills"}]})
        found = []
        for waybill in waybills:
            statuses = self.tracking.get((carrier, waybill))
            if statuses is not None:
                found.append({"waybill": waybill, "trackingDetails": {
                    "statuses": statuses, "createdAt": statuses[0]["occurredAt"] if statuses else None,
                    "updatedAt": statuses[-1]["occurredAt"] if statuses else None}})
        return Reply(200, {"carrierId": carrier, "waybills": found})

    def _returns(self, request: FakeRequest, user: str) -> Reply:
        wanted = request.query.get("orderId")
        found = [r for r in self.returns if wanted in (None, r["orderId"])]
        return Reply(200, {"customerReturns": found, "count": len(found)})

    def _refunds(self, request: FakeRequest, user: str) -> Reply:
        wanted = request.query.get("payment.id")
        found = [r for r in self.refunds if wanted in (None, r["payment"]["id"])]
        return Reply(200, {"refunds": found, "count": len(found), "totalCount": len(found)})
