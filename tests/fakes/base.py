"""A tiny ASGI router for contract fakes: regex routes, JSON/form bodies, canned misbehaviour."""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs


@dataclass
class FakeRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    # Every value of a repeated query parameter (``?waybill=a&waybill=b``); ``query`` keeps the first.
    query_lists: dict[str, list[str]] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body or b"null")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}

    def bearer(self) -> str | None:
        scheme, _, token = self.headers.get("authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" else None

    def basic(self) -> tuple[str, str] | None:
        scheme, _, encoded = self.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "basic":
            return None
        user, _, password = base64.b64decode(encoded).decode().partition(":")
        return user, password


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None


@dataclass
class Failure:
    pattern: re.Pattern
    method: str | None
    reply: Reply
    times: int


class FakeApp:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern, Callable[[FakeRequest], Reply]]] = []
        self.failures: list[Failure] = []
        self.log: list[tuple[str, str]] = []
        self.byte_swaps: list[tuple[bytes, bytes]] = []

    def route(self, method: str, pattern: str, handler: Callable[[FakeRequest], Reply]) -> None:
        self.routes.append((method, re.compile(f"^{pattern}$"), handler))

    def fail(self, path_pattern: str, status: int, *, times: int = 1, method: str | None = None,
             body: Any = None, raw: bytes | None = None, headers: dict[str, str] | None = None) -> None:
        """The next ``times`` requests matching the path answer this instead (429s, 5xx, garbage)."""
        self.failures.append(Failure(re.compile(path_pattern), method, Reply(status, body, headers or {}, raw), times))

    def send_bytes(self, marker: str, raw: bytes) -> None:
        """Every answer carries ``raw`` where its JSON held ``marker``: bytes no JSON encoder writes
        (a legacy charset's byte inside a message, a raw control character)."""
        self.byte_swaps.append((marker.encode(), raw))

    def requests_to(self, method: str, path_pattern: str) -> int:
        pattern = re.compile(path_pattern)
        return sum(1 for m, p in self.log if m == method and pattern.search(p))

    def _canned(self, request: FakeRequest) -> Reply | None:
        for failure in self.failures:
            if failure.times > 0 and failure.pattern.search(request.path) and failure.method in (None, request.method):
                failure.times -= 1
                return failure.reply
        return None

    def dispatch(self, request: FakeRequest) -> Reply:
        self.log.append((request.method, request.path))
        canned = self._canned(request)
        if canned is not None:
            return canned
        for method, pattern, handler in self.routes:
            match = pattern.match(request.path)
            if match and method == request.method:
                request.params = match.groupdict()
                return handler(request)
        return Reply(404, {"errors": [{"code": "NotFoundException", "message": "Not found"}]})

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while True:
                message = await receive()
                if message["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                elif message["type"] == "lifespan.shutdown":
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        query_lists = parse_qs(scope["query_string"].decode())
        query = {k: v[0] for k, v in query_lists.items()}
        reply = self.dispatch(FakeRequest(scope["method"], scope["path"], query, headers, body,
                                          query_lists=query_lists))
        payload = reply.raw if reply.raw is not None else (b"" if reply.body is None else json.dumps(reply.body).encode())
        for marker, raw in self.byte_swaps:
            payload = payload.replace(marker, raw)
        content_type = reply.headers.get("content-type", "application/json")
        out_headers = [(b"content-type", content_type.encode())] + [
            (k.encode(), v.encode()) for k, v in reply.headers.items() if k != "content-type"]
        await send({"type": "http.response.start", "status": reply.status, "headers": out_headers})
        await send({"type": "http.response.body", "body": payload})
