"""AI function: the seller's AI settings, the usage report and this month's AI budget."""

from datetime import date
from typing import Annotated, Literal

from litestar import get, patch
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter

from shared.ai import config as ai_config
from shared.ai import report
from shared.ai.schemas import AiConfigPatch, AiConfigView
from shared.ai.usage import BudgetStatus, budget_status
from shared.analytics import queries as analytics_queries
from shared.analytics.schemas import Analytics
from shared.auth.errors import InvalidInput
from shared.auth.guard import requires
from shared.auth.principal import Principal
from shared.http.app import make_function_app
from shared.infra.postgres import close_pool, open_pool
from shared.infra.redis import close_redis, open_redis

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


app = make_function_app(
    "ai",
    [read_config, change_config, usage, budget, analytics],
    description="AI reply settings (model, tone, autopilot, business hours, handoff topics, budget) and AI usage.",
    on_startup=[open_pool, open_redis],
    on_shutdown=[close_redis, close_pool],
)
