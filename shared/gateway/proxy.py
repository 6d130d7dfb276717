"""The local gateway in front of the functions' of-watchdogs: ``/function/<name>/rest`` → ``<watchdog>/rest``.

What the OpenFaaS gateway does for a synchronous invocation, and no more: strip ``/function/<name>``
(or ``/function/<name>.openfaas-fn``, the form connectors use),
append the caller to ``X-Forwarded-For`` (one hop, ``AUTH_TRUSTED_PROXY_HOPS=1``), set
``X-Forwarded-Host`` and ``X-Call-Id``, and stream the body both ways (uploads of 25 MB are not
buffered). Like Go's reverse proxy it reads the function's answer while the body is still being sent, so an
answer given before the body was read (404, 401, 413) reaches the caller even when the watchdog then
closes the connection. A watchdog that is down is a 502, one that does not answer within
``upstream_timeout`` of the body being sent a 504.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

import h11

from shared.gateway.dispatcher import send_json
from shared.gateway.upstream import UpstreamConnection, UpstreamPool

Scope = dict[str, Any]

# RFC 9110 §7.6.1: connection-specific headers are not forwarded.
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization",
                        b"te", b"trailer", b"transfer-encoding", b"upgrade", b"host"})


class ProxyGateway:
    def __init__(self, upstreams: Mapping[str, str], *, upstream_timeout: float = 40.0) -> None:
        # upstream_timeout sits above the watchdogs' write_timeout (35 s), so the watchdog's own 504
        # reaches the caller instead of ours (docs/deploy.md).
        self.upstreams = {name: url.rstrip("/") for name, url in upstreams.items()}
        self._timeout = upstream_timeout
        # No limit on connections: as many concurrent calls as callers make; each watchdog's max_inflight
        # answers 429 beyond its own limit, as in production.
        self._pool = UpstreamPool(connect_timeout=5.0)

    async def __call__(self, scope: Scope, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path: str = scope.get("path", "")
        if path == "/healthz":
            await send_json(send, 200, {"status": "ok", "functions": sorted(self.upstreams)})
            return
        name, _ = split_function_path(path)
        upstream = self.upstreams.get(name) if name else None
        if upstream is None:
            await send_json(send, 404, {"detail": f"no function at {path!r}; try /function/<name>"})
            return
        # The raw path keeps the caller's percent-encoding (an encoded "/" stays encoded).
        _, rest = split_function_path((scope.get("raw_path") or path.encode()).decode("latin-1"))
        await self._forward(scope, receive, send, name, upstream, rest)

    async def _forward(self, scope: Scope, receive: Any, send: Any, name: str, upstream: str, rest: str) -> None:
        request, has_body = _upstream_request(scope, upstream, rest)
        try:
            connection = await self._pool.connect(upstream)
        except TimeoutError:
            await send_json(send, 504, {"detail": f"function {name} did not answer in time"})
            return
        except OSError:
            await send_json(send, 502, {"detail": f"function {name} is not running (its watchdog refused the connection)"})
            return
        uploading: asyncio.Task[None] | None = None
        try:
            try:
                await connection.send(request)
                if has_body:
                    uploading = asyncio.create_task(_upload(connection, receive))
                else:
                    await connection.send(h11.EndOfMessage())
                response = await self._answer(connection, uploading)
            except h11.LocalProtocolError as refused:  # what the caller sent cannot be said in HTTP/1.1
                await send_json(send, 400, {"detail": f"the request cannot be forwarded: {refused}"})
                return
            except TimeoutError:
                await send_json(send, 504, {"detail": f"function {name} did not answer in time"})
                return
            except (OSError, h11.RemoteProtocolError):
                await send_json(send, 502, {"detail": f"function {name} closed the connection without answering"})
                return
            await send({"type": "http.response.start", "status": response.status_code,
                        "headers": [(k, v) for k, v in response.headers if k not in HOP_BY_HOP]})
            while isinstance(event := await connection.next_event(self._timeout), h11.Data):
                await send({"type": "http.response.body", "body": bytes(event.data), "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            if uploading is not None:
                # Once the function has answered, the rest of the body is not sent: an early answer
                # leaves the request unfinished, so the pool closes that connection.
                uploading.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await uploading
            self._pool.release(upstream, connection)

    async def _answer(self, connection: UpstreamConnection, uploading: asyncio.Task[None] | None) -> h11.Response:
        """The answer's head, read while the body is still being sent."""
        reading = asyncio.ensure_future(_response_head(connection))
        try:
            if uploading is not None:
                # The clock starts once the body is sent, as for an HTTP client: a slow upload is not a
                # slow function (the watchdog's read_timeout bounds the upload).
                await asyncio.wait({reading, uploading}, return_when=asyncio.FIRST_COMPLETED)
            async with asyncio.timeout(self._timeout):
                return await reading
        finally:
            reading.cancel()

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._pool.close()
                await send({"type": "lifespan.shutdown.complete"})
                return


# Locally every function lives in OpenFaaS's default namespace; `/function/<name>.openfaas-fn` is how
# the cron-connector (and other connectors) address a function.
NAMESPACE = "openfaas-fn"


def split_function_path(path: str) -> tuple[str | None, str]:
    parts = path.split("/", 3)  # ["", "function", name[.namespace], rest]
    if len(parts) < 3 or parts[1] != "function" or not parts[2]:
        return None, path
    name, dot, namespace = parts[2].partition(".")
    if dot and namespace != NAMESPACE:
        return None, path
    return name, "/" + (parts[3] if len(parts) > 3 else "")


def _upstream_request(scope: Scope, upstream: str, rest: str) -> tuple[h11.Request, bool]:
    """The caller's request as the function's watchdog gets it, and whether a body follows."""
    query = scope.get("query_string", b"")
    target = urlsplit(upstream).path + rest + (("?" + query.decode("latin-1")) if query else "")
    headers = [(b"host", urlsplit(upstream).netloc.encode())]
    headers += [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP
                and k.lower() not in (b"x-forwarded-for", b"x-forwarded-host", b"x-call-id")]
    forwarded = [v for k, v in scope["headers"] if k.lower() == b"x-forwarded-for"]
    client_host = (scope.get("client") or ("unknown", 0))[0].encode()
    headers.append((b"x-forwarded-for", b", ".join([*forwarded, client_host])))
    host = next((v for k, v in scope["headers"] if k.lower() == b"host"), None)
    if host:
        headers.append((b"x-forwarded-host", host))
    headers.append((b"x-call-id", str(uuid.uuid4()).encode()))
    framing = {k.lower() for k, _ in scope["headers"]} & {b"content-length", b"transfer-encoding"}
    if framing == {b"transfer-encoding"}:  # a caller's chunked body goes on chunked
        headers.append((b"transfer-encoding", b"chunked"))
    return h11.Request(method=scope["method"], target=target, headers=headers), bool(framing)


async def _response_head(connection: UpstreamConnection) -> h11.Response:
    while True:
        event = await connection.next_event(None)
        if isinstance(event, h11.Response):  # a 100 Continue is the watchdog's, the caller had its own from uvicorn
            return event


async def _upload(connection: UpstreamConnection, receive: Any) -> None:
    """The caller's body, sent on as it arrives."""
    try:
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                # The caller left mid-body: the function must not take what came for the whole body.
                connection.close()
                return
            if body := message.get("body", b""):
                await connection.send(h11.Data(data=body))
            if not message.get("more_body", False):
                await connection.send(h11.EndOfMessage())
                return
    except OSError:
        # The watchdog closed the connection before taking the whole body: its answer, if it gave one, is
        # read on the other side; if it gave none, that side sees the close.
        return
