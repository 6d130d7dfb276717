"""Channels function: the seller's connected accounts — list, connect Allegro/OLX/email/Amazon/eMAG/shop, test,
pause, resume, disconnect."""

from collections.abc import Awaitable
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
from shared.channels import lifecycle, service
from shared.channels.errors import PlatformError
from shared.channels.frontend import frontend_url, outcome_url
from shared.channels.schemas import (AccountList, AccountView, AmazonAccountCreated, AmazonAccountRequest,
                                     ConnectionTest, DeviceFlowStarted, DevicePollRequest, DevicePollResult,
                                     EmagAccountCreated, EmagAccountRequest, EmailAccountCreated, EmailAccountRequest,
                                     GenericAccountCreated, GenericAccountRequest, OlxConnectStarted)
from shared.http.app import make_function_app

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
    except service.InvalidField as problem:
        raise InvalidInput(problem.field, str(problem)) from None
    except service.AlreadyConnected:
        raise Conflict(detail="This sender address is already connected.") from None


@post("/generic", summary="Add your own shop's channel; returns the webhook secret once", status_code=201,
      guards=[requires("admin")])
async def create_generic(principal: Caller, data: JSONBody[GenericAccountRequest]) -> GenericAccountCreated:
    try:
        return await service.create_generic_account(principal.tenant_id, data)
    except service.InvalidField as problem:
        raise InvalidInput(problem.field, str(problem)) from None


@post("/amazon", summary="Connect an Amazon shop: an e-mail channel bound to Amazon (relay aliases, authorised "
      "sender); returns the inbound token once and the setup steps", status_code=201, guards=[requires("admin")])
async def create_amazon(principal: Caller, data: JSONBody[AmazonAccountRequest]) -> AmazonAccountCreated:
    try:
        return await service.create_amazon_account(principal.tenant_id, data)
    except service.InvalidField as problem:
        raise InvalidInput(problem.field, str(problem)) from None
    except service.AlreadyConnected:
        raise Conflict(detail="This sender address is already connected.") from None


@post("/emag", summary="Connect an eMAG shop (RO/BG/HU): API user checked with eMAG, order callback URL returned "
      "once; buyer mail arrives through the bound e-mail channel", status_code=201, guards=[requires("admin")])
async def create_emag(principal: Caller, data: JSONBody[EmagAccountRequest]) -> EmagAccountCreated:
    try:
        return await service.create_emag_account(principal.tenant_id, data)
    except service.InvalidField as problem:
        raise InvalidInput(problem.field, str(problem)) from None
    except service.AlreadyConnected:
        raise Conflict(detail="This eMAG API user is already connected.") from None
    except PlatformError:
        raise _platform_down("eMAG") from None


def _found(account: object) -> object:
    if account is None:
        raise NotFound(detail="No such channel account.")
    return account


async def _lifecycle_change(change: Awaitable[object]) -> object:
    """A test/pause/resume: 404 when the account is not the caller's, 409 when its state forbids it."""
    try:
        return _found(await change)
    except lifecycle.NotAllowed as problem:
        raise Conflict(detail=str(problem)) from None


@post("/accounts/{account_id:uuid}/test", summary="Send a test message (what is tried depends on the channel "
      "kind); ok=false says what failed", status_code=200, guards=[requires("admin")])
async def test_account(principal: Caller, account_id: FromPath[UUID]) -> ConnectionTest:
    return await _lifecycle_change(lifecycle.send_test(principal.tenant_id, account_id))


@post("/accounts/{account_id:uuid}/pause", summary="Pause: no polling, nothing sent; incoming webhooks are still "
      "recorded", status_code=200, guards=[requires("admin")])
async def pause_account(principal: Caller, account_id: FromPath[UUID]) -> AccountView:
    return await _lifecycle_change(lifecycle.pause(principal.tenant_id, account_id))


@post("/accounts/{account_id:uuid}/resume", summary="Resume a paused channel (polled platforms are polled at once)",
      status_code=200, guards=[requires("admin")])
async def resume_account(principal: Caller, account_id: FromPath[UUID]) -> AccountView:
    return await _lifecycle_change(lifecycle.resume(principal.tenant_id, account_id))


@delete("/accounts/{account_id:uuid}", summary="Disconnect: stop polling and sending, forget the credentials",
        status_code=204, guards=[requires("admin")])
async def disconnect(principal: Caller, account_id: FromPath[UUID]) -> None:
    if not await service.disconnect(principal.tenant_id, account_id):
        # Same answer for "not yours" and "does not exist".
        raise NotFound(detail="No such channel account.")


app = make_function_app(
    "channels",
    [list_accounts, start_allegro, poll_allegro, start_olx, olx_callback, create_email, create_generic, create_amazon,
     create_emag, test_account, pause_account, resume_account, disconnect],
    description="Channel connections: Allegro (device flow), OLX (authorization code), email (SMTP), Amazon and eMAG "
                "(e-mail channels bound to the marketplace), your shop; test, pause, resume, disconnect.",
)
