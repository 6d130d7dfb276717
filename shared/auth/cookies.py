"""Token responses for browsers: never cached, and optionally the refresh token in an httpOnly cookie.

Every response carrying tokens gets ``Cache-Control: no-store``. With ``AUTH_REFRESH_COOKIE=true`` it
also sets the refresh token as a cookie the page's JavaScript cannot read (``HttpOnly``), sent only
over HTTPS (``Secure``), only to the auth function's path, and ``SameSite`` (default Strict), so an
XSS on the frontend cannot steal the long-lived token. The JSON body keeps the token for non-browser
clients. ``POST /refresh`` then takes the token from the body or, if the body has none, the cookie;
``POST /logout`` clears it. CSRF: the cookie is SameSite and /refresh needs a JSON body, which a
cross-origin page can only send after a CORS preflight that unlisted origins fail (shared/http/cors.py).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response
from litestar.datastructures import Cookie

from shared.auth.schemas import TokenPair
from shared.auth.settings import AuthSettings

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _cookie(settings: AuthSettings, value: str, max_age: int) -> Cookie:
    return Cookie(key=settings.refresh_cookie_name, value=value, max_age=max_age,
                  path=settings.refresh_cookie_path, domain=settings.refresh_cookie_domain or None,
                  httponly=True, secure=True, samesite=settings.refresh_cookie_samesite)


def token_response(pair: TokenPair, settings: AuthSettings, status_code: int = 200) -> Response[TokenPair]:
    cookies = [_cookie(settings, pair.refresh_token, settings.refresh_ttl_seconds)] if settings.refresh_cookie else []
    return Response(pair, status_code=status_code, headers=NO_STORE, cookies=cookies)


def clear_refresh_cookie(settings: AuthSettings) -> list[Cookie]:
    return [_cookie(settings, "", 0)] if settings.refresh_cookie else []


def refresh_token_from(request: Request[Any, Any, Any], body_token: str | None, settings: AuthSettings) -> str | None:
    """The body's token first (API clients); the cookie only when cookies are switched on."""
    if body_token:
        return body_token
    if settings.refresh_cookie:
        return request.cookies.get(settings.refresh_cookie_name) or None
    return None
