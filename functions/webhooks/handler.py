"""Webhooks function: verify the caller → store the event once in the inbox → enqueue → 202.

Routes (no JWT: each authenticates its caller itself):
- ``POST /channels/{tenantId}/{channelAccountId}/messages`` — generic signed JSON (shared/http/signatures.py);
  401 forged or stale, 409 an exact replay of an accepted request, 404 unknown channel.
- ``POST /email/{tenantId}/{channelAccountId}`` — raw RFC 822 mail, ``Authorization: Bearer <inbound token>``.
- ``POST /minio`` — MinIO bucket notifications, Bearer token from the secret ``minio-webhook-token``.
- ``GET|POST /emag/{tenantId}/{channelAccountId}?order_id=..&token=..`` — eMAG order callbacks (order
  context only: eMAG offers no messaging API).
- ``POST /billing`` — the payment system's signed subscription events (shared/billing/webhook.py).
A duplicate delivery is answered 202 with ``duplicate: true`` and does nothing.
"""

from typing import Any

from litestar import Request, Response, route
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.status_codes import HTTP_202_ACCEPTED

from shared.auth.settings import auth_settings
from shared.billing import subscriptions as billing_subscriptions
from shared.billing import webhook as billing_webhook
from shared.auth.throttle import client_ip, webhook_failure_throttle
from shared.http.app import make_function_app
from shared.http.input_guard import JSON_BODY
from shared.inbox import service
from shared.inbox.schemas import Accepted
from shared.inbox.signing import ReplayedRequest
from shared.inbox.uploads import MalformedNotification, receive_minio
from shared.infra.redis import redis_client

MAX_JSON_BYTES = 256 * 1024
# Amazon allows 10 MB of attachments; base64 makes that ~14 MB of MIME.
MAX_EMAIL_BYTES = 20 * 1024 * 1024


class Unauthorized(HTTPException):
    status_code = 401


class BadRequest(HTTPException):
    status_code = 400


class Replayed(HTTPException):
    status_code = 409


def _no_channel() -> NotFoundException:
    # One answer for every way of not finding it: nothing about other sellers' channels leaks.
    return NotFoundException(detail="No such channel.")


async def _guarded(request: Request, receive: Any) -> Accepted:
    # Unauthenticated callers that keep failing (guessing secrets or channel ids) get a 429 per address.
    settings = auth_settings()
    throttle = webhook_failure_throttle(redis_client(), settings, client_ip(
        request.client.host if request.client else None, request.headers.get("x-forwarded-for"),
        settings.trusted_proxy_hops))
    try:
        await throttle.check()
    except HTTPException:
        receive.close()
        raise
    try:
        return await receive
    except service.UnknownChannel:
        await throttle.hit()
        raise _no_channel() from None
    except service.Unauthorized:
        await throttle.hit()
        raise Unauthorized(detail="The request is not signed or authenticated for this channel.") from None
    except service.Malformed as problem:
        raise BadRequest(detail=str(problem)) from None
    except ReplayedRequest:
        raise Replayed(detail="This exact request was already accepted; sign every delivery with a fresh "
                              "timestamp.") from None


@route("/channels/{tenant_id:str}/{channel_account_id:str}/messages", http_method=["POST"],
       status_code=HTTP_202_ACCEPTED, request_max_body_size=MAX_JSON_BYTES, opt=JSON_BODY,
       summary="A customer message from a shop or site chat (HMAC-signed JSON)")
async def generic_message(request: Request, tenant_id: FromPath[str], channel_account_id: FromPath[str]) -> Accepted:
    body = await request.body()
    return await _guarded(request, service.receive_generic(
        tenant_id, channel_account_id, request.headers.get("x-bokai-timestamp"),
        request.headers.get("x-bokai-signature"), body))


@route("/email/{tenant_id:str}/{channel_account_id:str}", http_method=["POST"], status_code=HTTP_202_ACCEPTED,
       request_max_body_size=MAX_EMAIL_BYTES, summary="An inbound email as raw RFC 822 MIME")
async def inbound_email(request: Request, tenant_id: FromPath[str], channel_account_id: FromPath[str]) -> Accepted:
    body = await request.body()
    return await _guarded(request, service.receive_email(tenant_id, channel_account_id,
                                                request.headers.get("authorization"), body))


@route("/minio", http_method=["POST"], status_code=HTTP_202_ACCEPTED, request_max_body_size=MAX_JSON_BYTES,
       opt=JSON_BODY, summary="MinIO bucket notification (presigned uploads)")
async def minio_notification(request: Request) -> Accepted:
    if not service.bearer_matches(request.headers.get("authorization"), service.minio_token()):
        raise Unauthorized(detail="Missing or wrong token.")
    try:
        return await receive_minio(await request.body())
    except MalformedNotification as problem:
        raise BadRequest(detail=str(problem)) from None


@route("/emag/{tenant_id:str}/{channel_account_id:str}", http_method=["GET", "POST"],
       status_code=HTTP_202_ACCEPTED, request_max_body_size=MAX_JSON_BYTES,
       summary="eMAG order callback (recorded as order context)")
async def emag_callback(request: Request, tenant_id: FromPath[str], channel_account_id: FromPath[str],
                        order_id: FromQuery[str | None] = None, token: FromQuery[str | None] = None) -> Accepted:
    body = await request.body()
    return await _guarded(request, service.receive_emag(
        tenant_id, channel_account_id, token or request.headers.get("x-bokai-token"), order_id,
        request.method, dict(request.query_params), body))


class NotConfigured(HTTPException):
    status_code = 503


@route("/billing", http_method=["POST"], status_code=HTTP_202_ACCEPTED, request_max_body_size=MAX_JSON_BYTES,
       opt=JSON_BODY, summary="The payment system sets a seller's plan and subscription status (HMAC-signed JSON)")
async def billing_event(request: Request) -> billing_subscriptions.Outcome:
    settings = auth_settings()
    throttle = webhook_failure_throttle(redis_client(), settings, client_ip(
        request.client.host if request.client else None, request.headers.get("x-forwarded-for"),
        settings.trusted_proxy_hops))
    await throttle.check()
    try:
        return await billing_webhook.receive(request.headers.get("x-bokai-timestamp"),
                                             request.headers.get("x-bokai-signature"), await request.body())
    except billing_webhook.NotConfigured:
        raise NotConfigured(detail="Billing webhooks are not configured (secret billing-webhook-secret).") from None
    except billing_webhook.InvalidSignature:
        await throttle.hit()
        raise Unauthorized(detail="The request is not signed with the billing webhook secret, or too old.") from None
    except billing_webhook.Malformed as problem:
        raise BadRequest(detail=str(problem)) from None
    except billing_subscriptions.UnknownTenant:
        raise NotFoundException(detail="No such tenant.") from None


app = make_function_app(
    "webhooks",
    [generic_message, inbound_email, minio_notification, emag_callback, billing_event],
    description="Inbound webhooks: shop messages, email, MinIO uploads and eMAG callbacks, stored once each.",
)
