"""Per-route request metrics for every function, and the ``/metrics`` page Prometheus scrapes.

Labels: the function, the method, the route *template* (``/documents/{document_id:uuid}``, never the
concrete path with ids in it) and the status class (2xx/4xx/5xx). No tenant or user labels.
"""

from __future__ import annotations

import time
from typing import Any

from litestar import Response, get
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

REQUESTS = Counter("bokai_http_requests_total", "HTTP requests by function, route and status class.",
                   ("function", "method", "route", "status_class"))
LATENCY = Histogram("bokai_http_request_duration_seconds", "HTTP request latency by function and route.",
                    ("function", "method", "route"),
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0))
_UNMEASURED = frozenset({"/metrics", "/_/live"})


def http_metrics(function: str):
    """Litestar middleware factory: ``Litestar(middleware=[http_metrics(name)])``."""

    def middleware(app: ASGIApp) -> ASGIApp:
        async def measured(scope: Scope, receive: Receive, send: Send) -> None:
            route = scope.get("path_template") or "unmatched"
            if scope["type"] != "http" or route in _UNMEASURED:
                await app(scope, receive, send)
                return
            status = 500  # an exception escaping the app is answered 500 by the server
            started = time.perf_counter()

            async def send_noting_status(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                await send(message)

            try:
                await app(scope, receive, send_noting_status)
            finally:
                method = scope.get("method", "GET")
                LATENCY.labels(function, method, route).observe(time.perf_counter() - started)
                REQUESTS.labels(function, method, route, f"{status // 100}xx").inc()

        return measured

    return middleware


@get("/metrics", include_in_schema=False, sync_to_thread=False)
def metrics_page() -> Response[Any]:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
