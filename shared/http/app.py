"""Builds a function's Litestar app with the same docs, errors and lifespan everywhere."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.exceptions import HTTPException, ValidationException
from litestar.logging.config import LoggingConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Server
from litestar.params import ParameterKwarg
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR
from litestar.types import ControllerRouterHandler

from shared.auth.guard import PRINCIPAL_DEPENDENCY
from shared.http.cors import cors_headers
from shared.http.security import security_headers
from shared.http.input_guard import input_guard
from shared.http.metrics import http_metrics, metrics_page
from shared.http.strict import StrictRequests
from shared.infra.postgres import close_pool, open_pool
from shared.infra.redis import close_redis, open_redis

logger = logging.getLogger("bokai.http")


def _unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    # Logged with the route only: no body, headers or tokens reach the log at INFO level.
    logger.exception("unhandled error on %s %s", request.method, request.scope.get("path"))
    return Response(
        {"detail": "Something went wrong on our side. Please try again; if it persists, contact support."},
        status_code=HTTP_500_INTERNAL_SERVER_ERROR,
    )


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {"detail": exc.detail}
    if exc.extra:
        body["errors"] = exc.extra
    if isinstance(exc, ValidationException):
        body = _as_the_caller_sent_it(request, body)
    return Response(body, status_code=exc.status_code, headers=exc.headers)


def _as_the_caller_sent_it(request: Request[Any, Any, Any], body: dict[str, Any]) -> dict[str, Any]:
    """Litestar's parameter errors name the handler's argument (``needs_human``), not the query parameter
    the caller sent (``needsHuman``), and its detail repeats the whole query string (kilobytes of whatever
    was sent, a token in it too): the key becomes the parameter's own name and the detail the bare path."""
    detail = str(body["detail"])
    prefix = f"Validation failed for {request.method} "
    if detail.startswith(prefix):
        body["detail"] = prefix + request.url.path
    handler = request.scope.get("route_handler")
    parameters = getattr(getattr(handler, "parsed_fn_signature", None), "parameters", {})
    if isinstance(body.get("errors"), list):
        body["errors"] = [_renamed(error, parameters) for error in body["errors"]]
    return body


def _renamed(error: Any, parameters: dict[str, Any]) -> Any:
    field = parameters.get(error.get("key")) if isinstance(error, dict) else None
    kwarg = getattr(field, "kwarg_definition", None)
    if not isinstance(kwarg, ParameterKwarg) or error.get("source") == "body":
        return error  # a body field that shares a parameter's name keeps the name it was sent as
    sent_as = kwarg.query or kwarg.header or kwarg.cookie or kwarg.name
    return {**error, "key": sent_as} if sent_as else error


@get("/_/live", include_in_schema=False, sync_to_thread=False)
def _live() -> dict[str, str]:
    # The watchdog's ready_path (Dockerfile.fn): answers once the lifespan has started. It checks no
    # dependency on purpose: a database outage must not take every replica out of the load balancer.
    return {"status": "ok"}


# Litestar configures the root logger at INFO: keep that for our own loggers, but HTTP client
# libraries would log every request URL they make (tenant ids, presigned URLs) at INFO.
_LOGGING = LoggingConfig(loggers={
    "litestar": {"level": "INFO", "handlers": ["queue_listener"], "propagate": False},
    "httpx": {"level": "WARNING"},
    "httpx2": {"level": "WARNING"},
    "httpcore": {"level": "WARNING"},
})


def make_function_app(
    name: str,
    route_handlers: Sequence[ControllerRouterHandler],
    *,
    description: str,
    postgres: bool = True,
    redis: bool = True,
    on_startup: Sequence[Callable[..., Any]] = (),
    on_shutdown: Sequence[Callable[..., Any]] = (),
    gateway_prefix: str | None = None,
) -> Litestar:
    """``postgres`` / ``redis``: the function holds the Postgres pool / the Redis client for its
    lifetime, opened before its own ``on_startup`` and closed after its own ``on_shutdown``.
    ``gateway_prefix`` is where the gateway serves the function (default ``/function/<name>``);
    it is only advertised in the OpenAPI ``servers`` so "try it out" works behind the gateway."""
    prefix = gateway_prefix if gateway_prefix is not None else f"/function/{name}"
    startup = [*([open_pool] if postgres else []), *([open_redis] if redis else []), *on_startup]
    shutdown = [*on_shutdown, *([close_redis] if redis else []), *([close_pool] if postgres else [])]
    strict = StrictRequests()
    app = Litestar(
        route_handlers=[*route_handlers, _live, metrics_page],
        # input_guard inside the metrics, so refused hostile input is counted as the 4xx it is.
        middleware=[http_metrics(name), input_guard],
        on_startup=startup,
        on_shutdown=shutdown,
        # Any handler may declare `principal: NamedDependency[Principal]` to get the verified caller.
        dependencies=dict(PRINCIPAL_DEPENDENCY),
        exception_handlers={HTTPException: _http_error, Exception: _unexpected_error},
        # Strict JSON body types and no repeated single-valued query parameter (shared/http/strict.py).
        before_request=strict,
        openapi_config=OpenAPIConfig(
            title=f"BOK-AI {name}",
            version="1.0.0",
            description=description,
            path="/schema",
            servers=[Server(url=prefix)],
            render_plugins=[SwaggerRenderPlugin()],
        ),
        logging_config=_LOGGING,
        # CORS for the browser frontend (CORS_ALLOWED_ORIGINS) and security headers, on every response.
        before_send=[cors_headers, security_headers],
        debug=False,
    )
    strict.learn(app)
    return app
