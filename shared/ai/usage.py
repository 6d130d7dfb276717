"""Every LLM call's real token counts and PLN cost, and how much of this month's AI budget is left."""

from __future__ import annotations

import calendar
import logging
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID

import msgspec

from shared.ai.config import WARSAW, load_for_usage
from shared.ai.pricing import price_for, price_table
from shared.auth.principal import PAYING_STATUSES
from shared.ops.metrics import LLM_COST, LLM_LATENCY, LLM_TOKENS
from shared.tenancy.db import tenant_tx, tx_connection

logger = logging.getLogger("bokai.ai.usage")
# Pace is judged on at least this much of the month, so one call in the first minutes of a month
# does not extrapolate to thousands of złoty.
MIN_PACE_DAYS = 1


class UsageRecord(msgspec.Struct, frozen=True, kw_only=True):
    id: UUID
    model: str
    prompt_tokens: int
    completion_tokens: int
    cost_pln: Decimal


class BudgetStatus(msgspec.Struct, frozen=True, rename="camel", kw_only=True):
    month: str  # YYYY-MM in Europe/Warsaw
    plan: str
    budget_pln: float
    spent_pln: float
    remaining_pln: float
    exhausted: bool
    # spent + (spent per day so far) × days left: the month's end if spending goes on like this.
    projected_pln: float
    # The strong model only while the month's projection fits the budget, so that local replies for
    # the rest of the month are still paid for and the month ends near the budget, not far over it.
    strong_allowed: bool
    # AI may spend at all (the subscription is paid up).
    may_spend: bool


def month_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of the calendar month containing ``day``, midnight Warsaw, as aware datetimes."""
    start = datetime(day.year, day.month, 1, tzinfo=WARSAW)
    last = calendar.monthrange(day.year, day.month)[1]
    return start, datetime.combine(date(day.year, day.month, last) + timedelta(days=1),
                                   datetime.min.time(), tzinfo=WARSAW)


async def record_llm_call(
    tenant_id: UUID, *, model: str, prompt_tokens: int, completion_tokens: int, latency_ms: int | None,
    conversation_id: UUID | None = None, action: str = "ai_reply", user_id: UUID | None = None,
) -> UsageRecord:
    """Log one call with the token counts the API returned (response.usage), priced for this tenant.

    Calls that failed after spending tokens (empty answers) are logged too: they cost the same.
    """
    if prompt_tokens < 0 or completion_tokens < 0:
        raise ValueError("token counts cannot be negative")
    async with tenant_tx(tenant_id):
        _, overrides = await load_for_usage(tenant_id)
        cost = price_for(model, price_table(), overrides).cost(prompt_tokens, completion_tokens)
        row_id = await tx_connection().fetchval(
            "INSERT INTO usage_logs (id, tenant_id, user_id, conversation_id, action, model_used, prompt_tokens, "
            "completion_tokens, tokens_used, cost, latency_ms, created_at) "
            "VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, now()) RETURNING id",
            tenant_id, user_id, conversation_id, action[:100], model[:100], prompt_tokens, completion_tokens,
            prompt_tokens + completion_tokens, cost, latency_ms)
    return UsageRecord(id=row_id, model=model, prompt_tokens=prompt_tokens, completion_tokens=completion_tokens,
                       cost_pln=cost)


async def budget_status(tenant_id: UUID, *, now: datetime | None = None) -> BudgetStatus:
    now = now or datetime.now(timezone.utc)
    local_now = now.astimezone(WARSAW)
    start, end = month_bounds(local_now.date())
    async with tenant_tx(tenant_id):
        config, _ = await load_for_usage(tenant_id)
        status = await tx_connection().fetchval(
            "SELECT subscription_status FROM tenants WHERE id = $1", tenant_id)
        spent = await tx_connection().fetchval(
            "SELECT COALESCE(SUM(cost), 0) FROM usage_logs WHERE tenant_id = $1 "
            "AND created_at >= $2 AND created_at < $3", tenant_id, start, end)
    budget = Decimal(str(config.monthly_budget_pln))
    spent = Decimal(spent)
    days_total = (end - start).total_seconds() / 86400
    days_elapsed = max(MIN_PACE_DAYS, (local_now - start).total_seconds() / 86400)
    projected = spent + spent / Decimal(str(days_elapsed)) * Decimal(str(max(0.0, days_total - days_elapsed)))
    exhausted = spent >= budget
    return BudgetStatus(
        month=f"{start.year:04d}-{start.month:02d}", plan=config.plan, budget_pln=float(budget),
        spent_pln=float(spent), remaining_pln=float(max(Decimal(0), budget - spent)), exhausted=exhausted,
        projected_pln=float(round(projected, 6)), strong_allowed=not exhausted and projected <= budget,
        may_spend=(status or "active") in PAYING_STATUSES,
    )


def observe_llm_call(model: str, seconds: float, outcome: str, prompt_tokens: int = 0,
                     completion_tokens: int = 0) -> None:
    """The call in the metrics: latency by outcome, tokens, spend at list prices.

    ``outcome``: ok | empty | unavailable. Never raises: metrics must not fail a reply.
    """
    try:
        LLM_LATENCY.labels(model, outcome).observe(seconds)
        if prompt_tokens or completion_tokens:
            LLM_TOKENS.labels(model, "prompt").inc(prompt_tokens)
            LLM_TOKENS.labels(model, "completion").inc(completion_tokens)
            LLM_COST.labels(model).inc(float(price_for(model, price_table(), {}).cost(prompt_tokens,
                                                                                      completion_tokens)))
    except Exception as problem:  # noqa: BLE001
        logger.warning("llm metrics not recorded: %s", type(problem).__name__)
