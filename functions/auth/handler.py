"""Auth function: sellers and their teams register, sign in and manage who may act for the seller."""

from typing import Any
from uuid import UUID

from litestar import Request, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.exceptions import ValidationException as BadRequest
from litestar.params import FromPath, JSONBody

from shared.auth import invites, members, service
from shared.auth.cookies import clear_refresh_cookie, refresh_token_from, token_response
from shared.auth.guard import requires
from shared.auth.principal import Principal
from shared.auth.schemas import (
    AcceptInviteRequest,
    ChangeRoleRequest,
    InviteCreated,
    InviteRequest,
    InviteView,
    LoginRequest,
    MeResponse,
    MemberView,
    RefreshRequest,
    RegisterRequest,
    SwitchTenantRequest,
    TokenPair,
)
from shared.auth.settings import AuthSettings, auth_settings
from shared.auth.throttle import client_ip
from shared.auth.tokens import key_ring
from shared.http.app import make_function_app
from shared.infra.redis import redis_client

Caller = NamedDependency[Principal]


def _client_ip(request: Request[Any, Any, Any], settings: AuthSettings) -> str:
    return client_ip(request.client.host if request.client else None,
                     request.headers.get("x-forwarded-for"), settings.trusted_proxy_hops)


@post("/register", summary="Create an account, its workspace and sign in as its owner", status_code=201,
      description="`refreshTokenDelivery`: `body` (default) or `cookie` (httpOnly cookie only, never in the "
                  "body). Sets the account's device cookie (see /login).")
async def register(request: Request[Any, Any, Any], data: JSONBody[RegisterRequest]) -> Response[TokenPair]:
    settings = auth_settings()
    return token_response(await service.register(redis_client(), settings, data, _client_ip(request, settings)),
                          settings, 201, signed_in=data.email)


@post("/login", summary="Sign in; pick a workspace with tenantId (default: the first joined)", status_code=200,
      description="`refreshTokenDelivery`: `body` (default: `refreshToken` in the answer) or `cookie` (only in "
                  "the httpOnly `bokai_refresh` cookie, for browser frontends). A successful sign-in also sets "
                  "the account's httpOnly device cookie `bokai_device_<account hash>`: sent back at the next "
                  "sign-in, it keeps this device out of the lockouts that failures from other devices or "
                  "addresses cause (OWASP device cookies); keep it like any cookie.")
async def login(request: Request[Any, Any, Any], data: JSONBody[LoginRequest]) -> Response[TokenPair]:
    settings = auth_settings()
    return token_response(await service.login(redis_client(), settings, data, _client_ip(request, settings),
                                              request.cookies), settings, signed_in=data.email)


@post("/switch-tenant", summary="New tokens for another workspace of the caller", status_code=200)
async def switch_tenant(principal: Caller, data: JSONBody[SwitchTenantRequest]) -> Response[TokenPair]:
    settings = auth_settings()
    return token_response(await service.switch_tenant(redis_client(), settings, principal, data.tenant_id), settings)


@post("/refresh", summary="Trade a refresh token for new tokens (each refresh token works once)",
      status_code=200,
      description="The token from `refreshToken` in the body or, if the body has none, the `bokai_refresh` "
                  "cookie. The next one travels the way the session chose at sign-in; one that came in the "
                  "cookie is answered in the cookie only.")
async def refresh(request: Request[Any, Any, Any], data: JSONBody[RefreshRequest]) -> Response[TokenPair]:
    settings = auth_settings()
    token, from_cookie = refresh_token_from(request, data.refresh_token, settings)
    if token is None:
        raise BadRequest("Send the refresh token as refreshToken in the body (or sign in again).")
    return token_response(await service.refresh(redis_client(), settings, token, from_cookie=from_cookie), settings)


@post("/logout", summary="End this session: the access token and its refresh tokens stop working",
      status_code=204)
async def logout(principal: Caller) -> Response[None]:
    await service.end_current_session(redis_client(), principal)
    return Response(None, status_code=204, cookies=clear_refresh_cookie(auth_settings()))


@get("/me", summary="The caller: user, current workspace, role and permissions")
async def me(principal: Caller) -> MeResponse:
    return await service.me(principal)


@get("/.well-known/jwks.json", summary="Public keys that verify access tokens", cache=300)
async def jwks() -> Response[dict[str, Any]]:
    return Response(key_ring(auth_settings()).public_jwks(), headers={"Cache-Control": "public, max-age=300"})


@post("/members/invites", summary="Invite someone by email (owner/admin)", guards=[requires("admin")],
      status_code=201)
async def invite(principal: Caller, data: JSONBody[InviteRequest]) -> InviteCreated:
    return await invites.create_invite(redis_client(), auth_settings(), principal, data)


@get("/members/invites", summary="Open invites of the workspace (owner/admin)", guards=[requires("admin")])
async def list_invites(principal: Caller) -> list[InviteView]:
    return await invites.list_invites(redis_client(), principal)


@delete("/members/invites/{invite_id:uuid}", summary="Revoke an open invite (owner/admin)",
        guards=[requires("admin")], status_code=204)
async def revoke_invite(principal: Caller, invite_id: FromPath[UUID]) -> None:
    await invites.revoke_invite(redis_client(), principal, invite_id)


@post("/invites/accept", summary="Accept an invite: creates the account or joins an existing one",
      status_code=200)
async def accept_invite(request: Request[Any, Any, Any], data: JSONBody[AcceptInviteRequest]) -> Response[TokenPair]:
    settings = auth_settings()
    return token_response(await invites.accept_invite(
        redis_client(), settings, data.token, data.password, _client_ip(request, settings),
        delivery=data.refresh_token_delivery, cookies=request.cookies), settings)


@get("/members", summary="Members of the current workspace", guards=[requires("read")])
async def list_members(principal: Caller) -> list[MemberView]:
    return await members.list_members(principal)


@patch("/members/{user_id:uuid}", summary="Change a member's role (owner/admin)", guards=[requires("admin")])
async def change_role(principal: Caller, user_id: FromPath[UUID], data: JSONBody[ChangeRoleRequest]) -> MemberView:
    return await members.change_role(redis_client(), principal, user_id, data.role)


@delete("/members/{user_id:uuid}", summary="Remove a member (owner/admin)", guards=[requires("admin")],
        status_code=204)
async def remove_member(principal: Caller, user_id: FromPath[UUID]) -> None:
    await members.remove_member(redis_client(), principal, user_id)


app = make_function_app(
    "auth",
    [register, login, switch_tenant, refresh, logout, me, jwks, invite, list_invites, revoke_invite, accept_invite,
     list_members, change_role, remove_member],
    description="Registration, sign-in with tenant choice, rotating refresh tokens, team members and "
                "the public keys other functions use to verify access tokens.",
)
