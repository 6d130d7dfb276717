"""AI function: the seller's AI settings, the usage report, this month's AI budget, analytics and event webhooks."""

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from litestar import delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from shared.ai import config as ai_config
from shared.ai import report
from shared.ai.schemas import AiConfigPatch, AiConfigView
from shared.ai.usage import BudgetStatus, budget_status
from shared.analytics import queries as analytics_queries
from shared.analytics.schemas import Analytics
from shared.auth.errors import InvalidInput
from shared.auth.guard import requires
from shared.auth.principal import Principal
from shared.events import service as events
from shared.events.schemas import (
    DeliveryList,
    DeliveryView,
    EndpointCreate,
    EndpointCreated,
    EndpointList,
    EndpointPatch,
    EndpointView,
)
from shared.http.app import make_function_app
from shared.http.domain_errors import DomainErrors

Caller = NamedDependency[Principal]


@get("/config", summary="The AI settings (defaults until you change them)", guards=[requires("read")])
async def read_config(principal: Caller) -> AiConfigView:
    return await ai_config.get_ai_config(principal.tenant_id)


@patch("/config", summary="Change AI settings: send only the fields to change", guards=[requires("admin")])
async def change_config(principal: Caller, data: JSONBody[AiConfigPatch]) -> AiConfigView:
    try:
        return await ai_config.update_ai_config(principal.tenant_id, data)
    except ai_config.ConfigError as problem:
        raise InvalidInput(problem.field, str(problem)) from None


@get("/usage", summary="AI requests, tokens and cost (PLN) per day, model or conversation; from/to are "
     "Warsaw dates, both included (default: this month)",
     guards=[requires("read")])
async def usage(principal: Caller, date_from: Annotated[date | None, QueryParameter(name="from")] = None,
                date_to: Annotated[date | None, QueryParameter(name="to")] = None,
                group_by: Annotated[Literal["day", "model", "conversation"], QueryParameter(name="groupBy")] = "day",
                ) -> report.UsageReport:
    try:
        return await report.usage_report(principal.tenant_id, date_from, date_to, group_by)
    except report.ReportError as problem:
        raise InvalidInput(problem.field, str(problem)) from None


@get("/budget", summary="This month's AI budget, spending and whether it is exhausted", guards=[requires("read")])
async def budget(principal: Caller) -> BudgetStatus:
    return await budget_status(principal.tenant_id)


@get("/analytics", summary="How the AI worked for conversations started in the range: first-response p50/p90 "
     "(AI vs person), automation rate, handoffs by reason, drafts approved/edited/discarded, cost per resolved "
     "conversation, top unanswered questions; from/to are Warsaw dates, both included, at most 366 days "
     "(default: this month); channel: allegro, amazon, olx, emag, email or generic (default: all)",
     guards=[requires("read")])
async def analytics(principal: Caller, date_from: Annotated[date | None, QueryParameter(name="from")] = None,
                    date_to: Annotated[date | None, QueryParameter(name="to")] = None,
                    channel: Annotated[str | None, QueryParameter(name="channel")] = None) -> Analytics:
    try:
        return await analytics_queries.analytics(principal.tenant_id, date_from, date_to, channel)
    except report.ReportError as problem:
        raise InvalidInput(problem.field, str(problem)) from None


ADMIN = [requires("admin")]


# Event webhook errors become the API's 4xx.
_events_call = DomainErrors(events.NotFound, events.InvalidRequest, events.LimitReached).answer


@post("/event-webhooks", summary="Add an event webhook endpoint (https, public address); the answer holds its "
      "signing secret, shown only this once", guards=ADMIN, status_code=201)
async def create_event_webhook(principal: Caller, data: JSONBody[EndpointCreate]) -> EndpointCreated:
    return await _events_call(events.create_endpoint(principal.tenant_id, data))


@get("/event-webhooks", summary="Your event webhook endpoints (active, failing or disabled)", guards=ADMIN)
async def list_event_webhooks(principal: Caller) -> EndpointList:
    return await _events_call(events.list_endpoints(principal.tenant_id))


@get("/event-webhooks/{endpoint_id:uuid}", summary="One event webhook endpoint", guards=ADMIN)
async def read_event_webhook(principal: Caller, endpoint_id: FromPath[UUID]) -> EndpointView:
    return await _events_call(events.get_endpoint(principal.tenant_id, endpoint_id))


@patch("/event-webhooks/{endpoint_id:uuid}", summary="Change an endpoint's URL, events, description or "
       "enabled; enabling it again clears its failing state", guards=ADMIN)
async def change_event_webhook(principal: Caller, endpoint_id: FromPath[UUID],
                               data: JSONBody[EndpointPatch]) -> EndpointView:
    return await _events_call(events.change_endpoint(principal.tenant_id, endpoint_id, data))


@delete("/event-webhooks/{endpoint_id:uuid}", summary="Delete an endpoint and its delivery log", guards=ADMIN,
        status_code=204)
async def delete_event_webhook(principal: Caller, endpoint_id: FromPath[UUID]) -> None:
    await _events_call(events.delete_endpoint(principal.tenant_id, endpoint_id))


@post("/event-webhooks/{endpoint_id:uuid}/rotate-secret", summary="A new signing secret, shown only in this "
      "answer; the old one keeps signing beside it for 24 hours so your receiver can switch over", guards=ADMIN,
      status_code=200)
async def rotate_event_webhook_secret(principal: Caller, endpoint_id: FromPath[UUID]) -> EndpointCreated:
    return await _events_call(events.rotate_secret(principal.tenant_id, endpoint_id))


@get("/event-deliveries", summary="The delivery log, newest first: status (pending, delivered, failed), attempts, "
     "last response code and error of each event sent to your endpoints", guards=ADMIN)
async def list_event_deliveries(
    principal: Caller,
    endpoint_id: Annotated[UUID | None, QueryParameter(name="endpointId")] = None,
    status: Annotated[str | None, QueryParameter(name="status", description="pending | delivered | failed")] = None,
    event_type: Annotated[str | None, QueryParameter(name="eventType")] = None,
    limit: Annotated[int, QueryParameter(name="limit", ge=1, le=200)] = 50,
) -> DeliveryList:
    return await _events_call(events.list_deliveries(principal.tenant_id, endpoint_id=endpoint_id, status=status,
                                                     event_type=event_type, limit=limit))


@post("/event-deliveries/{delivery_id:uuid}/redeliver", summary="Send a failed delivery again (same event id)",
      guards=ADMIN, status_code=202)
async def redeliver_event(principal: Caller, delivery_id: FromPath[UUID]) -> DeliveryView:
    return await _events_call(events.redeliver(principal.tenant_id, delivery_id))


app = make_function_app(
    "ai",
    [read_config, change_config, usage, budget, analytics, create_event_webhook, list_event_webhooks,
     read_event_webhook, change_event_webhook, delete_event_webhook, rotate_event_webhook_secret, list_event_deliveries,
     redeliver_event],
    description="AI reply settings (model, tone, autopilot, business hours, handoff topics, budget) and AI usage.",
)
