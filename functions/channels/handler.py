"""Channels function: the seller's connected accounts — list, connect Allegro/OLX/email/shop, disconnect."""

from typing import Annotated
from uuid import UUID

from litestar import delete, get, post
from litestar.response import Redirect
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from shared.auth.errors import Conflict, InvalidInput, NotFound
from shared.auth.guard import requires
from shared.auth.principal import Principal
from shared.channels import service
from shared.channels.errors import PlatformError
from shared.channels.frontend import frontend_url, outcome_url
from shared.channels.schemas import (AccountList, AccountView, DeviceFlowStarted, DevicePollRequest, DevicePollResult,
                                     EmailAccountCreated, EmailAccountRequest, GenericAccountCreated,
                                     GenericAccountRequest, OlxConnectStarted)
from shared.http.app import make_function_app
from shared.infra.postgres import close_pool, open_pool
from shared.infra.redis import close_redis, open_redis

Caller = NamedDependency[Principal]


class PlatformDown(HTTPException):
    status_code = 502


def _platform_down(platform: str) -> PlatformDown:
    return PlatformDown(detail=f"{platform} is not answering as expected right now; please try again in a minute.")


@get("/accounts", summary="Your channel accounts with status, last error and last sync", guards=[requires("read")])
async def list_accounts(principal: Caller) -> AccountList:
    return AccountList(items=await service.list_accounts(principal.tenant_id))


@post("/allegro/device", summary="Start connecting Allegro: show userCode and open verificationUrl",
      status_code=201, guards=[requires("admin")])
async def start_allegro(principal: Caller) -> DeviceFlowStarted:
    try:
        return await service.start_allegro_device_flow(principal.tenant_id)
    except PlatformError:
        raise _platform_down("Allegro") from None


@post("/allegro/device/poll", summary="Check whether the seller approved; call again after retryAfter seconds",
      status_code=200, guards=[requires("admin")])
async def poll_allegro(principal: Caller, data: JSONBody[DevicePollRequest]) -> DevicePollResult:
    try:
        return await service.poll_allegro_device_flow(principal.tenant_id, data.flow_id)
    except PlatformError:
        raise _platform_down("Allegro") from None


@post("/olx/connect", summary="Start connecting OLX: redirect the seller to authorizeUrl", status_code=201,
      guards=[requires("admin")])
async def start_olx(principal: Caller) -> OlxConnectStarted:
    return OlxConnectStarted(authorize_url=await service.start_olx_connect(principal.tenant_id))


@get("/olx/callback", summary="OLX redirects here after the seller approves (no session: the state proves it)",
     description="With CHANNELS_FRONTEND_URL set, answers 303 to the frontend with channel=olx&status=connected"
                 "&accountId=… or status=error&reason=denied|expired|unavailable; otherwise JSON.")
async def olx_callback(code: FromQuery[str | None] = None,
                       oauth_state: Annotated[str | None, QueryParameter(name="state")] = None,
                       error: FromQuery[str | None] = None) -> AccountView | Redirect:
    frontend = frontend_url()
    if error or not code or not oauth_state:
        if frontend:
            return Redirect(outcome_url(frontend, "olx", reason="denied"), status_code=303)
        raise InvalidInput("code", "OLX did not grant access; start connecting again from BOK-AI.")
    try:
        _, account = await service.complete_olx_connect(oauth_state, code)
    except service.InvalidRequest as problem:
        if frontend:
            return Redirect(outcome_url(frontend, "olx", reason="expired"), status_code=303)
        raise InvalidInput("state", str(problem)) from None
    except PlatformError:
        if frontend:
            return Redirect(outcome_url(frontend, "olx", reason="unavailable"), status_code=303)
        raise _platform_down("OLX") from None
    if frontend:
        return Redirect(outcome_url(frontend, "olx", account_id=str(account.id)), status_code=303)
    return account


@post("/email", summary="Add an email channel (sender address and SMTP); returns the inbound token once",
      status_code=201, guards=[requires("admin")])
async def create_email(principal: Caller, data: JSONBody[EmailAccountRequest]) -> EmailAccountCreated:
    try:
        return await service.create_email_account(principal.tenant_id, data)
    except service.AlreadyConnected:
        raise Conflict(detail="This sender address is already connected.") from None


@post("/generic", summary="Add your own shop's channel; returns the webhook secret once", status_code=201,
      guards=[requires("admin")])
async def create_generic(principal: Caller, data: JSONBody[GenericAccountRequest]) -> GenericAccountCreated:
    return await service.create_generic_account(principal.tenant_id, data)


@delete("/accounts/{account_id:uuid}", summary="Disconnect: stop polling and sending, forget the credentials",
        status_code=204, guards=[requires("admin")])
async def disconnect(principal: Caller, account_id: FromPath[UUID]) -> None:
    if not await service.disconnect(principal.tenant_id, account_id):
        # Same answer for "not yours" and "does not exist".
        raise NotFound(detail="No such channel account.")


app = make_function_app(
    "channels",
    [list_accounts, start_allegro, poll_allegro, start_olx, olx_callback, create_email, create_generic, disconnect],
    description="Channel connections: Allegro (device flow), OLX (authorization code), email (SMTP), your shop.",
    on_startup=[open_pool, open_redis],
    on_shutdown=[close_redis, close_pool],
)
