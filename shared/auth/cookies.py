"""Token answers: never cached, the refresh token in the body *or* an httpOnly cookie, never both.

Every answer carrying tokens gets ``Cache-Control: no-store``. A client chooses per session where its
refresh token travels (``refreshTokenDelivery`` at register, login or invite acceptance):

- ``body`` (the default; mobile apps and API clients): in ``refreshToken`` of the JSON answer, no cookie;
- ``cookie`` (browser frontends; the deployment must set ``AUTH_REFRESH_COOKIE=true``): only in a cookie
  the page's JavaScript cannot read (``HttpOnly``), sent only over HTTPS (``Secure``), only to the auth
  function's path, and ``SameSite`` (default Strict). The JSON answer has no ``refreshToken``, so an XSS
  on the frontend cannot steal the long-lived token: it can read the 15-minute access token at most.

The choice is stored with the session, so ``/refresh`` and ``/switch-tenant`` answer the same way, and a
refresh token that arrived in the cookie is never answered in a body (that would hand it to any script
that can make the browser call /refresh). ``POST /refresh`` takes the token from the body or, if the body
has none, the cookie; ``POST /logout`` clears it. CSRF: the cookie is SameSite and /refresh needs a JSON
body, which a cross-origin page can only send after a CORS preflight that unlisted origins fail
(shared/http/cors.py). Register and login also set the account's device cookie (shared/auth/devices.py).
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, Response
from litestar.datastructures import Cookie

from shared.auth import devices
from shared.auth.schemas import TokenPair
from shared.auth.settings import AuthSettings

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def _cookie(settings: AuthSettings, name: str, value: str, max_age: int) -> Cookie:
    return Cookie(key=name, value=value, max_age=max_age, path=settings.refresh_cookie_path,
                  domain=settings.refresh_cookie_domain or None, httponly=True, secure=True,
                  samesite=settings.refresh_cookie_samesite)


def token_response(pair: TokenPair, settings: AuthSettings, status_code: int = 200, *,
                   signed_in: str | None = None) -> Response[TokenPair]:
    """``signed_in``: the email whose password this request just proved; its device cookie is renewed."""
    cookies = []
    if pair.refresh_token_delivery == "cookie":
        cookies.append(_cookie(settings, settings.refresh_cookie_name, str(pair.refresh_token),
                               settings.refresh_ttl_seconds))
        pair = msgspec.structs.replace(pair, refresh_token=msgspec.UNSET)
    if signed_in is not None:
        device = devices.issue(settings, signed_in)
        cookies.append(_cookie(settings, device.name, device.value, settings.device_cookie_ttl_seconds))
    return Response(pair, status_code=status_code, headers=NO_STORE, cookies=cookies)


def clear_refresh_cookie(settings: AuthSettings) -> list[Cookie]:
    return [_cookie(settings, settings.refresh_cookie_name, "", 0)] if settings.refresh_cookie else []


def refresh_token_from(request: Request[Any, Any, Any], body_token: str | None,
                       settings: AuthSettings) -> tuple[str | None, bool]:
    """(token, whether it came from the cookie): the body's first (API clients), the cookie only when
    cookies are switched on."""
    if body_token:
        return body_token, False
    if settings.refresh_cookie:
        token = request.cookies.get(settings.refresh_cookie_name) or None
        return token, token is not None
    return None, False
