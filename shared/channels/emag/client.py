"""eMAG Marketplace API v4 client: ``POST {MARKETPLACE_API_URL}/{resource}/{action}``, HTTP Basic, JSON.

Every answer is ``{"isError": bool, "messages": [...], "results": ...}``; an answer without
``"isError": false`` was not understood and is treated as an error. Limits (eMAG API documentation,
"Rate limiting"): 12 requests/s on order routes, 3 requests/s on the rest, 429 with
``X-RateLimit-*`` headers above them; calls come only from the IP addresses the seller put on the
allow-list in the eMAG Marketplace settings, so a 401/403 means "wrong credentials or this server's
address is not allowed".
"""

from __future__ import annotations

import base64
from typing import Any

import httpx2
import msgspec

from shared.channels.errors import PlatformRejected, PlatformUnavailable
from shared.channels.http import PlatformClient, parse

# eMAG order statuses (documentation, "Processing orders").
ORDER_STATUS = {0: "canceled", 1: "new", 2: "in progress", 3: "prepared", 4: "finalized", 5: "returned"}


class Envelope(msgspec.Struct, kw_only=True):
    isError: bool  # noqa: N815 - eMAG's field name
    messages: list[Any] = []
    results: Any = None


class Customer(msgspec.Struct, kw_only=True):
    name: str | None = None
    email: str | None = None


class Product(msgspec.Struct, kw_only=True):
    part_number: str | None = None
    name: str | None = None
    quantity: int | float = 1


class Order(msgspec.Struct, kw_only=True):
    id: int | str
    status: int | None = None
    date: str | None = None
    customer: Customer | None = None
    products: list[Product] = []


class OrderCount(msgspec.Struct, kw_only=True):
    noOfItems: int | str = 0  # noqa: N815 - eMAG's field name


def basic_token(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


def _message_texts(messages: list[Any]) -> str:
    texts = [m.get("text") if isinstance(m, dict) else m for m in messages]
    return "; ".join(str(t) for t in texts if t)[:300] or "no reason given"


class EmagClient(PlatformClient):
    platform = "eMAG"

    def __init__(self, api_url: str, **options) -> None:
        super().__init__(api_url, {"Accept": "application/json"}, **options)

    def authorization(self, token: str) -> str:
        return f"Basic {token}"

    def user_message(self, response: httpx2.Response) -> str:
        try:
            return _message_texts(msgspec.json.decode(response.content).get("messages") or [])
        except (msgspec.DecodeError, AttributeError, TypeError):
            return super().user_message(response)

    async def _call(self, resource_action: str, token: str, body: dict) -> Any:
        data = await self.request("POST", f"/{resource_action}", token, json=body, read_only=True)
        envelope = parse(data, Envelope, self.platform)
        if envelope.isError:
            raise PlatformRejected(200, _message_texts(envelope.messages))
        return envelope.results

    async def order(self, token: str, order_id: str) -> Order | None:
        results = await self._call("order/read", token, {"id": int(order_id)})
        orders = parse(results or [], list[Order], self.platform)
        return next((o for o in orders if str(o.id) == str(order_id)), None)

    async def order_count(self, token: str) -> int:
        """The cheapest authenticated call: proves the credentials and the IP allow-list."""
        counted = parse(await self._call("order/count", token, {}) or {}, OrderCount, self.platform)
        try:
            return int(counted.noOfItems)
        except ValueError:
            raise PlatformUnavailable("eMAG sent an order count that is not a number") from None
