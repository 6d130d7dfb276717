"""Security headers on every response of every function (a ``before_send`` hook, shared/http/app.py).

- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` everywhere.
- A Content-Security-Policy: the API's JSON gets the strictest one (it is never a page); the docs page
  (``/schema/swagger``, Swagger UI) may load Swagger UI from its CDN and run its inline start-up
  script (Litestar writes the spec into it), fetch only from its own origin, and be framed by nobody.
- ``Cache-Control: no-store`` on responses carrying tokens is set where they are made (functions/auth).
"""

from __future__ import annotations

from typing import Any

from litestar.datastructures import MutableScopeHeaders

SWAGGER_CDN = "https://cdn.jsdelivr.net"
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'"
DOCS_CSP = (f"default-src 'none'; script-src {SWAGGER_CDN} 'unsafe-inline'; style-src {SWAGGER_CDN} 'unsafe-inline'; "
            f"img-src 'self' data: {SWAGGER_CDN}; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'none'")


async def security_headers(message: dict[str, Any], scope: dict[str, Any]) -> None:
    if message["type"] != "http.response.start":
        return
    headers = MutableScopeHeaders.from_message(message)
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "no-referrer"
    if "content-security-policy" not in headers:
        is_page = (headers.get("content-type") or "").startswith("text/html")
        headers["Content-Security-Policy"] = DOCS_CSP if is_page else API_CSP
