"""CORS for the seller's browser frontend, configured per deployment (``CORS_ALLOWED_ORIGINS``).

A ``before_send`` hook on every function app (shared/http/app.py), so it covers every response the
app makes, error pages included. Rules:

- Only origins listed exactly in ``CORS_ALLOWED_ORIGINS`` (comma-separated, e.g.
  ``https://app.bok-ai.pl,https://staging.bok-ai.pl``) get ``Access-Control-Allow-Origin`` (echoed)
  and ``Access-Control-Allow-Credentials: true``. Nothing is listed by default: no browser origin
  may call the API until the deployment says which.
- A preflight (``OPTIONS`` with ``Access-Control-Request-Method``) is answered by Litestar's automatic
  OPTIONS handler of the route (204); for a listed origin this adds the API's methods, the requested
  headers that are on :data:`ALLOWED_REQUEST_HEADERS`, and ``Max-Age``.
- Any other origin gets no CORS header at all (the browser then blocks the response), never an
  error page; ``Vary: Origin`` keeps caches from mixing the two.

Litestar's own CORSConfig is not used because it sends ``Allow-Credentials``/``Allow-Methods`` to
origins it does not allow and answers their preflight with a 400.
"""

from __future__ import annotations

from functools import cache
from typing import Any, ClassVar

from litestar.datastructures import Headers, MutableScopeHeaders

from shared.settings import Settings, load

# What the frontend sends besides the CORS-safelisted headers.
ALLOWED_REQUEST_HEADERS = frozenset({"authorization", "content-type", "accept", "accept-language",
                                     "x-requested-with", "idempotency-key"})
ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
# Response headers a frontend needs to read (throttling, auth challenges, created resources).
EXPOSED_HEADERS = "Retry-After, WWW-Authenticate, Location"


class CorsSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "CORS_"
    allowed_origins: str = ""
    max_age_seconds: int = 600


@cache
def _policy() -> tuple[frozenset[str], int]:
    # Read once per process (the first response): origins change with a redeploy, not per request.
    settings = load(CorsSettings)
    origins = frozenset(o.strip().rstrip("/") for o in settings.allowed_origins.split(",") if o.strip())
    return origins, settings.max_age_seconds


def reset_policy() -> None:
    """Forget the cached settings (tests that change CORS_* in one process)."""
    _policy.cache_clear()


async def cors_headers(message: dict[str, Any], scope: dict[str, Any]) -> None:
    if message["type"] != "http.response.start":
        return
    request = Headers.from_scope(scope)
    origin = request.get("origin")
    if origin is None:
        return
    headers = MutableScopeHeaders.from_message(message)
    headers.add("Vary", "Origin")
    allowed, max_age = _policy()
    if origin not in allowed:
        return
    headers["Access-Control-Allow-Origin"] = origin
    headers["Access-Control-Allow-Credentials"] = "true"
    requested_method = request.get("access-control-request-method")
    if scope.get("method") == "OPTIONS" and requested_method:
        # Every method the API uses: a method a route lacks still gets its 405 from the route.
        headers["Access-Control-Allow-Methods"] = ALLOWED_METHODS
        wanted = [h.strip().lower() for h in request.get("access-control-request-headers", "").split(",") if h.strip()]
        granted = [h for h in wanted if h in ALLOWED_REQUEST_HEADERS]
        if granted:
            headers["Access-Control-Allow-Headers"] = ", ".join(granted)
        headers["Access-Control-Max-Age"] = str(max_age)
    else:
        headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
