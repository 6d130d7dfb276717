"""The guard every function uses: `guards=[requires("write")]` plus a `principal: Principal` parameter.

Tokens are verified locally with the auth keys (no call to the auth function); one Redis round trip
answers whether the token or its session was revoked and what the caller's role is *now*
(``live_roles``; PostgreSQL only when that is not cached), so a demoted or removed member's old token
stops carrying the old role on their next request. 401 means "we do not know who you are (any
more)" — a client refreshes and gets a token with the current role —, 403 means "we know, and your
role may not do this".
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.di import Provide
from litestar.handlers.base import BaseRouteHandler

from shared.auth.errors import Forbidden, PaymentRequired, Unauthenticated
from shared.auth.principal import Principal
from shared.auth.live_roles import cached_role, role_from_database, role_key
from shared.auth.sessions import token_status
from shared.auth.settings import auth_settings
from shared.auth.tokens import InvalidToken, verify_access_token
from shared.infra.redis import redis_client

Guard = Callable[[ASGIConnection[Any, Any, Any, Any], BaseRouteHandler], Coroutine[Any, Any, None]]
_STATE_KEY = "bokai_principal"
NO_LONGER_A_MEMBER = "You no longer have access to this workspace. Please sign in again."
ROLE_CHANGED = "Your role in this workspace has changed. Refresh your session to continue."


def bearer_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthenticated("Sign in first: send the access token as 'Authorization: Bearer <token>'.")
    return token.strip()


async def authenticate(connection: ASGIConnection[Any, Any, Any, Any]) -> Principal:
    """The verified caller, once per request (the guard and the dependency share the result)."""
    cached = connection.scope.get("state", {}).get(_STATE_KEY)
    if isinstance(cached, Principal):
        return cached
    try:
        claims = verify_access_token(auth_settings(), bearer_token(connection))
        principal = Principal.from_claims(claims)
    except (InvalidToken, ValueError):
        raise Unauthenticated() from None
    redis = redis_client()
    revoked, cached = await token_status(redis, claims.tid, claims.jti, claims.sid,
                                         extra_get=role_key(redis, claims.tid, claims.sub))
    if revoked:
        raise Unauthenticated()
    role = cached_role(cached)
    if role is False:
        role = await role_from_database(redis, claims.tid, claims.sub)
    if role is None:
        raise Unauthenticated(NO_LONGER_A_MEMBER)
    if role != claims.role:
        raise Unauthenticated(ROLE_CHANGED)
    connection.scope.setdefault("state", {})[_STATE_KEY] = principal
    return principal


def requires(*permissions: str) -> Guard:
    """A guard admitting signed-in callers whose role grants every permission named."""

    async def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        principal = await authenticate(connection)
        missing = [p for p in permissions if not principal.can(p)]
        if missing:
            raise Forbidden(detail=f"Your role ({principal.role}) does not allow this; "
                                   f"it needs the '{missing[0]}' permission.")

    return guard


async def requires_active_subscription(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Refuse actions that cost money (AI replies, ingestion) unless the subscription is paid up.

    The status comes from the token (claim ``subscription``), read from the tenant row when the
    token was issued, so a change of status applies within one access-token lifetime.
    """
    principal = await authenticate(connection)
    if not principal.may_spend:
        raise PaymentRequired(
            detail="Your subscription is not active, so this action is unavailable. "
                   "You can still sign in and see your data; renew the subscription to continue.",
            extra={"subscriptionStatus": principal.subscription_status},
        )


async def provide_principal(request: Request[Any, Any, Any]) -> Principal:
    return await authenticate(request)


# Registered by make_function_app, so any handler can declare `principal: Principal`.
PRINCIPAL_DEPENDENCY = {"principal": Provide(provide_principal)}
