"""Webhooks function: verify the caller → store the event once in the inbox → enqueue → 202.

Routes (no JWT: each authenticates its caller itself):
- ``POST /channels/{tenantId}/{channelAccountId}/messages`` — generic signed JSON (shared/http/signatures.py);
  401 forged or stale, 409 an exact replay of an accepted request, 404 unknown channel.
- ``POST /email/{tenantId}/{channelAccountId}`` — raw RFC 822 mail, ``Authorization: Bearer <inbound token>``.
- ``POST /minio`` — MinIO bucket notifications, Bearer token from the secret ``minio-webhook-token``.
- ``GET|POST /emag/{tenantId}/{channelAccountId}?order_id=..&token=..`` — eMAG order callbacks (order
  context only: eMAG offers no messaging API).
- ``POST /billing`` — the payment system's signed subscription events (shared/billing/webhook.py).
A duplicate delivery is answered 202 with ``duplicate: true`` and does nothing. Failed calls are
throttled per channel, never per caller address (shared/inbox/throttle.py); the channel routes read
their body only once the caller got past everything checkable without it.
"""

from collections.abc import Awaitable

from litestar import Request, route
from litestar.exceptions import HTTPException, NotFoundException
from litestar.params import FromPath, FromQuery
from litestar.status_codes import HTTP_202_ACCEPTED

from shared.auth.errors import TooManyAttempts
from shared.auth.settings import auth_settings
from shared.auth.throttle import AddressThrottle
from shared.billing import subscriptions as billing_subscriptions
from shared.billing import webhook as billing_webhook
from shared.billing.subscriptions import SubscriptionEvent
from shared.http.app import make_function_app
from shared.http.documented import documented_body, error_answers
from shared.http.input_guard import JSON_BODY, READ_ON_DEMAND
from shared.inbox import service
from shared.inbox.schemas import Accepted, GenericMessage
from shared.inbox.signing import ReplayedRequest
from shared.inbox.uploads import BucketNotification, MalformedNotification, receive_minio
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


THROTTLED = "Too many failed calls for this channel. Try again in {minutes} min."


async def _answered(receiving: Awaitable[Accepted]) -> Accepted:
    try:
        return await receiving
    except service.Throttled as throttled:
        seconds = throttled.retry_after_seconds
        raise TooManyAttempts(seconds, detail=THROTTLED.format(minutes=max(1, -(-seconds // 60)))) from None
    except service.UnknownChannel:
        raise _no_channel() from None
    except service.Unauthorized:
        raise Unauthorized(detail="The request is not signed or authenticated for this channel.") from None
    except service.Malformed as problem:
        raise BadRequest(detail=str(problem)) from None
    except ReplayedRequest:
        raise Replayed(detail="This exact request was already accepted; sign every delivery with a fresh "
                              "timestamp.") from None


GENERIC_MESSAGE_RULES = """The URL is the `inboundUrl` returned by `POST /function/channels/generic`.

**Signature** (shared/http/signatures.py): send two headers,
`X-BokAI-Timestamp: <unix seconds, now>` and
`X-BokAI-Signature: sha256=<hex HMAC-SHA256(webhookSecret, timestamp + "." + raw body)>`,
where `webhookSecret` is the one `POST /function/channels/generic` returned and the raw body is the
exact bytes sent. A timestamp more than 5 minutes from our clock is refused; so is the same signature
twice (sign every delivery with a fresh timestamp). During a secret rotation several signatures may be
sent comma-separated.

**Idempotency**: `messageId` is your own id of the message and must stay the same on every redelivery:
a message already received is answered 202 with `"duplicate": true` and stored once.
`conversationId` is your own id of the customer's thread; find the conversation with
`GET /function/conversations/conversations?platformConversationId=<conversationId>` (it appears once
the worker has processed the event, usually within a second).

Bodies over 256 KiB are refused (413); `text` is at most 20,000 characters."""


@route("/channels/{tenant_id:str}/{channel_account_id:str}/messages", http_method=["POST"],
       status_code=HTTP_202_ACCEPTED, request_max_body_size=MAX_JSON_BYTES, opt={**JSON_BODY, **READ_ON_DEMAND},
       summary="A customer message from a shop or site chat (HMAC-signed JSON)",
       description=GENERIC_MESSAGE_RULES, dependencies=documented_body(GenericMessage),
       responses=error_answers({
           400: "The body is not JSON or does not match the schema; `detail` names the problem.",
           401: "Missing, stale or wrong signature headers.",
           404: "No such channel (wrong tenant or channel id, or a channel of another kind).",
           409: "This exact request (same signature) was already accepted.",
           413: "The body is over 256 KiB.",
           429: "Too many failed calls for this channel; retry after `Retry-After` seconds.",
       }))
async def generic_message(request: Request, tenant_id: FromPath[str], channel_account_id: FromPath[str]) -> Accepted:
    return await _answered(service.receive_generic(
        tenant_id, channel_account_id, request.headers.get("x-bokai-timestamp"),
        request.headers.get("x-bokai-signature"), request.body))


@route("/email/{tenant_id:str}/{channel_account_id:str}", http_method=["POST"], status_code=HTTP_202_ACCEPTED,
       request_max_body_size=MAX_EMAIL_BYTES, opt=READ_ON_DEMAND, summary="An inbound email as raw RFC 822 MIME",
       description="Send `Authorization: Bearer <inboundToken>` (from `POST /function/channels/email` or "
                   "`/amazon`) and the mail exactly as received; attachments are dropped, the text is recorded.",
       dependencies=documented_body(bytes, "message/rfc822"),
       responses=error_answers({400: "The body is not an e-mail we can read.", 401: "Missing or wrong token.",
                                404: "No such channel.", 413: "The mail is over 20 MB.",
                                429: "Too many failed calls for this channel; retry after `Retry-After` seconds."}))
async def inbound_email(request: Request, tenant_id: FromPath[str], channel_account_id: FromPath[str]) -> Accepted:
    return await _answered(service.receive_email(tenant_id, channel_account_id,
                                                 request.headers.get("authorization"), request.body))


@route("/minio", http_method=["POST"], status_code=HTTP_202_ACCEPTED, request_max_body_size=MAX_JSON_BYTES,
       opt=JSON_BODY, summary="MinIO bucket notification (presigned uploads)",
       dependencies=documented_body(BucketNotification),
       responses=error_answers({400: "Not a bucket notification.", 401: "Missing or wrong token."}))
async def minio_notification(request: Request) -> Accepted:
    if not service.bearer_matches(request.headers.get("authorization"), service.minio_token()):
        raise Unauthorized(detail="Missing or wrong token.")
    try:
        return await receive_minio(await request.body())
    except MalformedNotification as problem:
        raise BadRequest(detail=str(problem)) from None


EMAG_ERRORS = error_answers({400: "order_id is missing or not an eMAG order id.", 401: "Missing or wrong token.",
                             404: "No such channel.",
                             429: "Too many failed calls for this channel; retry after `Retry-After` seconds."})


async def _emag(request: Request, tenant_id: str, channel_account_id: str, order_id: str | None,
                token: str | None) -> Accepted:
    return await _answered(service.receive_emag(
        tenant_id, channel_account_id, token or request.headers.get("x-bokai-token"), order_id,
        request.method, dict(request.query_params), request.body))


# eMAG calls the URL it was given with GET or POST; the same callback either way.
@route("/emag/{tenant_id:str}/{channel_account_id:str}", http_method=["GET"],
       status_code=HTTP_202_ACCEPTED, request_max_body_size=MAX_JSON_BYTES, opt=READ_ON_DEMAND,
       summary="eMAG order callback (recorded as order context)", responses=EMAG_ERRORS)
async def emag_callback(request: Request, tenant_id: FromPath[str], channel_account_id: FromPath[str],
                        order_id: FromQuery[str | None] = None, token: FromQuery[str | None] = None) -> Accepted:
    return await _emag(request, tenant_id, channel_account_id, order_id, token)


@route("/emag/{tenant_id:str}/{channel_account_id:str}", http_method=["POST"],
       status_code=HTTP_202_ACCEPTED, request_max_body_size=MAX_JSON_BYTES, opt=READ_ON_DEMAND,
       summary="eMAG order callback, posted (the body is kept as text beside the order id)",
       dependencies=documented_body(bytes, "application/octet-stream"), responses=EMAG_ERRORS)
async def emag_callback_posted(request: Request, tenant_id: FromPath[str], channel_account_id: FromPath[str],
                               order_id: FromQuery[str | None] = None, token: FromQuery[str | None] = None) -> Accepted:
    return await _emag(request, tenant_id, channel_account_id, order_id, token)


class NotConfigured(HTTPException):
    status_code = 503


@route("/billing", http_method=["POST"], status_code=HTTP_202_ACCEPTED, request_max_body_size=MAX_JSON_BYTES,
       opt=JSON_BODY, summary="The payment system sets a seller's plan and subscription status (HMAC-signed JSON)",
       description="Signed like the generic channel's webhook (`X-BokAI-Timestamp`, `X-BokAI-Signature: "
                   "sha256=<hex HMAC-SHA256(billing-webhook-secret, timestamp + \".\" + raw body)>`).",
       dependencies=documented_body(SubscriptionEvent),
       responses=error_answers({400: "The body does not match the schema.", 401: "Missing, stale or wrong signature.",
                                404: "No such tenant.", 429: "Too many failed calls; retry after `Retry-After`.",
                                503: "Billing webhooks are not configured here."}))
async def billing_event(request: Request) -> billing_subscriptions.Outcome:
    # Counted per credential, like the channels: the payment system posts from addresses it shares
    # with its other customers, and a correctly signed event is never refused for others' failures.
    settings = auth_settings()
    failures = AddressThrottle(redis_client(), "webhook-failures-billing", "billing",
                               limit=settings.webhook_max_failures_per_channel,
                               window_seconds=settings.webhook_failure_window_seconds,
                               detail="Too many failed billing webhook calls. Try again in {minutes} min.")
    try:
        return await billing_webhook.receive(request.headers.get("x-bokai-timestamp"),
                                             request.headers.get("x-bokai-signature"), await request.body())
    except billing_webhook.NotConfigured:
        raise NotConfigured(detail="Billing webhooks are not configured (secret billing-webhook-secret).") from None
    except billing_webhook.InvalidSignature:
        await failures.check()
        await failures.hit()
        raise Unauthorized(detail="The request is not signed with the billing webhook secret, or too old.") from None
    except billing_webhook.Malformed as problem:
        raise BadRequest(detail=str(problem)) from None
    except billing_subscriptions.UnknownTenant:
        raise NotFoundException(detail="No such tenant.") from None


app = make_function_app(
    "webhooks",
    [generic_message, inbound_email, minio_notification, emag_callback, emag_callback_posted, billing_event],
    description="Inbound webhooks: shop messages, email, MinIO uploads and eMAG callbacks, stored once each.",
)
