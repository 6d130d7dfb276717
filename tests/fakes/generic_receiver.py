"""A seller's endpoint for the generic channel: verifies signatures, records calls, can misbehave.

Scripted answers (``respond_with``) return 429/5xx/4xx; ``hold_responses`` accepts a delivery and
then never answers until released, so a test can kill the sender between "sent" and "recorded".
It answers the documented delivery probe ``GET ?idempotencyKey=...`` from what it accepted.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class ReceivedCall:
    method: str
    idempotency_key: str | None
    signature_valid: bool
    body: dict | None
    accepted: bool = False
    # When it arrived (time.monotonic()): how soon deliveries resumed after a fault.
    at: float = field(default_factory=time.monotonic)


@dataclass
class GenericReceiver:
    secret: bytes
    calls: list[ReceivedCall] = field(default_factory=list)
    # idempotency key -> the message id we gave it: what a de-duplicating receiver keeps.
    accepted: dict[str, str] = field(default_factory=dict)
    scripted: list[tuple[int, dict[str, str]]] = field(default_factory=list)
    hold_responses: bool = False
    _release: asyncio.Event = field(default_factory=asyncio.Event)
    holding: asyncio.Event = field(default_factory=asyncio.Event)

    def respond_with(self, status: int, **headers: str) -> None:
        self.scripted.append((status, headers))

    def release(self) -> None:
        self._release.set()

    @property
    def deliveries(self) -> list[ReceivedCall]:
        """POSTs accepted as new deliveries (a repeated key is a duplicate the receiver ignores)."""
        return [c for c in self.calls if c.method == "POST" and c.accepted]

    def _valid(self, headers: dict[str, str], signed: bytes) -> bool:
        timestamp = headers.get("x-bokai-timestamp", "")
        expected = "sha256=" + hmac.new(self.secret, timestamp.encode() + b"." + signed, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, headers.get("x-bokai-signature", ""))

    async def __call__(self, scope: dict[str, Any], receive, send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            self._release.set()
            await send({"type": "lifespan.shutdown.complete"})
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        body = b""
        while True:
            event = await receive()
            body += event.get("body", b"")
            if not event.get("more_body"):
                break
        if scope["method"] == "GET":
            key = parse_qs(scope["query_string"].decode()).get("idempotencyKey", [""])[0]
            self.calls.append(ReceivedCall("GET", key, self._valid(headers, key.encode()), None))
            if key in self.accepted:
                return await self._answer(send, 200, {"messageId": self.accepted[key]})
            return await self._answer(send, 404, {"detail": "unknown idempotency key"})
        key = headers.get("idempotency-key")
        call = ReceivedCall("POST", key, self._valid(headers, body), json.loads(body or b"null"))
        self.calls.append(call)
        status, extra = self.scripted.pop(0) if self.scripted else (200, {})
        if not call.signature_valid:
            status = 401
        if status != 200:
            return await self._answer(send, status, {"detail": "scripted"}, extra)
        # De-duplicate by the key, as the contract requires of receivers.
        call.accepted = key not in self.accepted
        self.accepted.setdefault(key, f"shop-msg-{len(self.accepted) + 1}")
        if self.hold_responses:
            self.holding.set()
            await self._release.wait()
        await self._answer(send, 200, {"messageId": self.accepted[key]})

    @staticmethod
    async def _answer(send, status: int, payload: dict, headers: dict[str, str] | None = None) -> None:
        raw = json.dumps(payload).encode()
        await send({"type": "http.response.start", "status": status, "headers": [
            (b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode()),
            *((k.lower().encode(), v.encode()) for k, v in (headers or {}).items())]})
        await send({"type": "http.response.body", "body": raw})


@asynccontextmanager
async def served_receiver(secret: bytes, path: str = "/bokai/replies") -> AsyncIterator[GenericReceiver]:
    """A shop's receiver on a real local server; ``url`` is where to point a channel's callback."""
    from tests.support import serve

    fake = GenericReceiver(secret)
    async with serve(fake) as client:
        fake.url = f"{client.base_url}{path}"
        yield fake
        fake.release()
