"""eMAG Marketplace API v4 contract fake: ``order/read`` and ``order/count`` (the order context BOK-AI reads).

From the eMAG Marketplace API documentation (v4.4.x): every call is ``POST {MARKETPLACE_API_URL}/{resource}/
{action}`` with ``Authorization: Basic base64(username:password)`` and a JSON body; every answer is
``{"isError": bool, "messages": [...], "results": ...}``; order routes allow 12 requests/s (other
resources 3/s) and answer 429 with ``X-RateLimit-*`` headers above that; an order is ``{id, status
(0 canceled … 5 returned), date "YYYY-mm-dd HH:ii:ss", customer {name, …}, products [{part_number,
quantity, sale_price, …}]}``. There is no message resource here: the documentation's changelog
removed the messaging API in v3.8/3.9 (2015) and documents none since (README, "eMAG").
"""

from __future__ import annotations

import time
from collections import deque

from tests.fakes.base import FakeApp, FakeRequest, Reply

PREFIX = "/api-3"
ORDER_ROUTE_LIMIT_PER_SECOND = 12


def answer(results, *, error: bool = False, messages: list | None = None, status: int = 200) -> Reply:
    return Reply(status, {"isError": error, "messages": messages or [], "results": results})


class EmagFake(FakeApp):
    def __init__(self, username: str = "api-user@sklep.ro", password: str = "emag-parola") -> None:
        super().__init__()
        self.credentials = (username, password)
        self.orders: dict[int, dict] = {}
        self._order_calls: deque[float] = deque()
        self.route("POST", f"{PREFIX}/order/read", self._api(self._read))
        self.route("POST", f"{PREFIX}/order/count", self._api(self._count))

    # --- test controls -------------------------------------------------------------------
    def add_order(self, order_id: int, *, status: int = 1, customer: str = "Ion Popescu",
                  products: list[tuple[str, str, int]] = (("MX-100", "Mixer Vortex 500W", 1),)) -> dict:
        order = {"id": order_id, "status": status, "date": "2026-11-20 10:15:00", "payment_mode_id": 1,
                 "customer": {"id": 900 + order_id % 100, "name": customer, "phone_1": "0700000000",
                              "email": "", "shipping_street": "Str. Lalelelor 1"},
                 "products": [{"id": i + 1, "part_number": part, "name": name, "quantity": quantity,
                               "sale_price": "199.9900", "currency": "RON", "status": 1}
                              for i, (part, name, quantity) in enumerate(products)]}
        self.orders[order_id] = order
        return order

    # --- API -------------------------------------------------------------------------------
    def _api(self, handler):
        def wrapped(request: FakeRequest) -> Reply:
            if request.basic() != self.credentials:
                return Reply(401, {"isError": True, "messages": ["Invalid username or password"]})
            now = time.monotonic()
            while self._order_calls and now - self._order_calls[0] > 1.0:
                self._order_calls.popleft()
            if len(self._order_calls) >= ORDER_ROUTE_LIMIT_PER_SECOND:
                return Reply(429, {"message": "API rate limit exceeded"},
                             {"X-RateLimit-Limit-3second": "36", "X-RateLimit-Remaining-3second": "0"})
            self._order_calls.append(now)
            try:
                body = request.json() or {}
            except ValueError:
                return answer([], error=True, messages=["Invalid JSON body"])
            return handler(body)
        return wrapped

    def _read(self, body: dict) -> Reply:
        wanted = body.get("id")
        orders = [o for o in self.orders.values() if wanted is None or o["id"] == wanted]
        return answer(orders[:100])

    def _count(self, body: dict) -> Reply:
        return answer({"noOfItems": str(len(self.orders)), "noOfPages": "1"})
