"""A seller's backend receiving BOK-AI events: checks each delivery the way README "Event webhooks"
tells a seller to, records it, and can answer errors or be down (not listening) for a while."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import time
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

import uvicorn

from tests.support import free_port


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The README's recipe: HMAC-SHA256 of "<timestamp>.<raw body>", 5 minutes' tolerance, any of the
    comma-separated signatures (two while a secret rotation overlaps)."""
    timestamp = headers.get("x-bokai-timestamp", "")
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = timestamp.isdigit() and abs(time.time() - int(timestamp)) < 300
    signatures = [s.strip() for s in headers.get("x-bokai-signature", "").split(",")]
    return fresh and any(hmac.compare_digest(expected, s) for s in signatures)


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes
    signature_valid: bool
    status: int

    @property
    def event(self) -> dict:
        return json.loads(self.body)


@dataclass
class EventReceiver:
    secret: str = ""
    port: int = field(default_factory=free_port)
    calls: list[Delivery] = field(default_factory=list)
    # Answers to give first, in order: a status, or (status, extra headers) such as a Retry-After.
    scripted: list[int | tuple[int, dict[str, str]]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/bokai/events"

    @property
    def accepted(self) -> list[dict]:
        """Events taken, each once (a seller's backend de-duplicates by Idempotency-Key)."""
        seen, events = set(), []
        for call in self.calls:
            key = call.headers.get("idempotency-key")
            if call.status == 200 and key not in seen:
                seen.add(key)
                events.append(call.event)
        return events

    def of_type(self, event_type: str) -> list[dict]:
        return [e for e in self.accepted if e["type"] == event_type]

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        valid = verify(self.secret, headers, body)
        answer = 401 if not valid else self.scripted.pop(0) if self.scripted else 200
        status, extra = answer if isinstance(answer, tuple) else (answer, {})
        self.calls.append(Delivery(headers, body, valid, status))
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                *((k.lower().encode(), v.encode()) for k, v in extra.items())]})
        await send({"type": "http.response.body", "body": b"{}"})


@asynccontextmanager
async def listening(receiver: EventReceiver):
    """The receiver answers on its port while inside; outside, connections to the port are refused."""
    server = uvicorn.Server(uvicorn.Config(receiver, host="127.0.0.1", port=receiver.port, lifespan="on",
                                           log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            raise RuntimeError("receiver did not start") from task.exception()
        await asyncio.sleep(0.02)
    try:
        yield receiver
    finally:
        server.should_exit = True
        await task
