"""The local gateway in front of the functions' of-watchdogs: ``/function/<name>/rest`` → ``<watchdog>/rest``.

What the OpenFaaS gateway does for a synchronous invocation, and no more: strip ``/function/<name>``
(or ``/function/<name>.openfaas-fn``, the form connectors use),
append the caller to ``X-Forwarded-For`` (one hop, ``AUTH_TRUSTED_PROXY_HOPS=1``), set
``X-Forwarded-Host`` and ``X-Call-Id``, and stream the body both ways (uploads of 25 MB are not
buffered). A watchdog that is down is a 502, one that does not answer within ``upstream_timeout`` a 504.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

import httpx2

from shared.gateway.dispatcher import send_json

Scope = dict[str, Any]

# RFC 9110 §7.6.1: connection-specific headers are not forwarded.
HOP_BY_HOP = frozenset({b"connection", b"keep-alive", b"proxy-authenticate", b"proxy-authorization",
                        b"te", b"trailer", b"transfer-encoding", b"upgrade", b"host"})


class ProxyGateway:
    def __init__(self, upstreams: Mapping[str, str], *, upstream_timeout: float = 40.0) -> None:
        # upstream_timeout sits above the watchdogs' write_timeout (35 s), so the watchdog's own 504
        # reaches the caller instead of ours (docs/deploy.md).
        self.upstreams = {name: url.rstrip("/") for name, url in upstreams.items()}
        self._timeout = httpx2.Timeout(upstream_timeout, connect=5.0)
        self._client: httpx2.AsyncClient | None = None

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
        await self._forward(scope, receive, send, name, upstream + rest)

    async def _forward(self, scope: Scope, receive: Any, send: Any, name: str, url: str) -> None:
        assert self._client is not None, "the gateway's lifespan has not started"
        query = scope.get("query_string", b"")
        headers = [(k, v) for k, v in scope["headers"] if k.lower() not in HOP_BY_HOP
                   and k.lower() not in (b"x-forwarded-for", b"x-forwarded-host", b"x-call-id")]
        forwarded = [v for k, v in scope["headers"] if k.lower() == b"x-forwarded-for"]
        client_host = (scope.get("client") or ("unknown", 0))[0].encode()
        headers.append((b"x-forwarded-for", b", ".join([*forwarded, client_host])))
        host = next((v for k, v in scope["headers"] if k.lower() == b"host"), None)
        if host:
            headers.append((b"x-forwarded-host", host))
        headers.append((b"x-call-id", str(uuid.uuid4()).encode()))
        has_body = any(k.lower() in (b"content-length", b"transfer-encoding") for k, _ in scope["headers"])
        request = self._client.build_request(
            scope["method"], url + (("?" + query.decode("latin-1")) if query else ""), headers=headers,
            content=_request_body(receive) if has_body else None,
        )
        try:
            response = await self._client.send(request, stream=True)
        except httpx2.TimeoutException:
            await send_json(send, 504, {"detail": f"function {name} did not answer in time"})
            return
        except httpx2.TransportError:
            await send_json(send, 502, {"detail": f"function {name} is not running (its watchdog refused the connection)"})
            return
        try:
            await send({"type": "http.response.start", "status": response.status_code,
                        "headers": [(k, v) for k, v in response.headers.raw if k.lower() not in HOP_BY_HOP]})
            async for chunk in response.aiter_raw():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            await response.aclose()

    async def _lifespan(self, receive: Any, send: Any) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                # No pool limit: as many concurrent calls as callers make; each watchdog's max_inflight
                # answers 429 beyond its own limit, as in production.
                self._client = httpx2.AsyncClient(timeout=self._timeout, follow_redirects=False, trust_env=False,
                                                 limits=httpx2.Limits(max_connections=None, max_keepalive_connections=64))
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                if self._client is not None:
                    await self._client.aclose()
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


async def _request_body(receive: Any) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return
        body = message.get("body", b"")
        if body:
            yield body
        if not message.get("more_body", False):
            return

