"""ASGI prefix dispatcher that behaves like the OpenFaaS gateway for local runs and tests.

Like the real gateway it strips ``/function/<name>`` before the function sees the request (so
functions mount their routes at ``/``). Unlike Litestar/Starlette mounts it also delivers lifespan
events to every function, so each app opens its pools exactly as it does under of-watchdog.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

ASGIApp = Any  # (scope, receive, send) -> Awaitable[None]
Scope = dict[str, Any]


class LifespanFailed(RuntimeError):
    pass


class _AppLifespan:
    """Drives one app's lifespan protocol in its own task."""

    def __init__(self, name: str, app: ASGIApp) -> None:
        self.name = name
        self.app = app
        self._inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._outbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    async def _run(self, state: dict[str, Any]) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": state}
        try:
            await self.app(scope, self._inbox.get, self._outbox.put)
        except Exception as exc:  # an app without lifespan support raises on the scope type
            await self._outbox.put({"type": "lifespan.startup.failed", "message": repr(exc)})

    async def startup(self) -> None:
        self._task = asyncio.create_task(self._run({}))
        await self._inbox.put({"type": "lifespan.startup"})
        reply = await self._outbox.get()
        if reply["type"] != "lifespan.startup.complete":
            raise LifespanFailed(f"function {self.name} failed to start: {reply.get('message', '')}")

    async def shutdown(self) -> None:
        if self._task is None or self._task.done():
            return
        await self._inbox.put({"type": "lifespan.shutdown"})
        await self._outbox.get()
        await self._task


class FunctionGateway:
    def __init__(self, functions: Mapping[str, ASGIApp]) -> None:
        self.functions = dict(functions)
        self._lifespans = [_AppLifespan(name, app) for name, app in self.functions.items()]

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        path: str = scope.get("path", "")
        if path == "/healthz":
            await send_json(send, 200, {"status": "ok", "functions": sorted(self.functions)})
            return
        name, rest = self._split(path)
        app = self.functions.get(name) if name else None
        if app is None:
            await send_json(send, 404, {"detail": f"no function at {path!r}; try /function/<name>"})
            return
        child = dict(scope)
        child["path"] = rest
        child["raw_path"] = rest.encode()
        child["root_path"] = ""
        await app(child, receive, send)

    @staticmethod
    def _split(path: str) -> tuple[str | None, str]:
        parts = path.split("/", 3)  # ["", "function", name, rest]
        if len(parts) < 3 or parts[1] != "function" or not parts[2]:
            return None, path
        return parts[2], "/" + (parts[3] if len(parts) > 3 else "")

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                try:
                    for lifespan in self._lifespans:
                        await lifespan.startup()
                except LifespanFailed as exc:
                    await send({"type": "lifespan.startup.failed", "message": str(exc)})
                    return
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                for lifespan in reversed(self._lifespans):
                    await lifespan.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


async def send_json(send: Any, status: int, body: dict[str, Any]) -> None:
    """A whole JSON response on a raw ASGI ``send`` (both gateways answer their own errors so)."""
    payload = json.dumps(body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
