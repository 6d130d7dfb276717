"""The usage report the dashboard shows: requests, tokens and PLN per day, model or conversation."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Literal
from uuid import UUID

import msgspec

from shared.ai.config import WARSAW
from shared.ai.usage import BudgetStatus, budget_status
from shared.tenancy.db import tenant_tx, tx_connection

GroupBy = Literal["day", "model", "conversation"]
MAX_RANGE_DAYS = 366
MAX_CONVERSATION_ROWS = 500  # the dearest ones; totals still cover every call

# Fixed SQL per grouping (no user text reaches the statement); days are Warsaw calendar days.
_KEYS: dict[str, str] = {
    "day": "to_char((created_at AT TIME ZONE 'Europe/Warsaw')::date, 'YYYY-MM-DD')",
    "model": "COALESCE(model_used, 'unknown')",
    "conversation": "conversation_id::text",
}
_ORDER: dict[str, str] = {"day": "key", "model": "cost DESC, key", "conversation": "cost DESC, key"}


class ReportError(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class UsageTotals(msgspec.Struct, frozen=True, rename="camel", kw_only=True):
    requests: int
    prompt_tokens: int
    completion_tokens: int
    tokens: int
    cost_pln: float


class UsageRow(msgspec.Struct, frozen=True, rename="camel", kw_only=True):
    # A day (YYYY-MM-DD), a model name, or a conversation id (null: calls outside any conversation).
    key: str | None
    requests: int
    prompt_tokens: int
    completion_tokens: int
    tokens: int
    cost_pln: float
    avg_latency_ms: int | None


class UsageReport(msgspec.Struct, frozen=True, rename="camel", kw_only=True):
    date_from: date = msgspec.field(name="from")
    date_to: date = msgspec.field(name="to")
    group_by: GroupBy
    totals: UsageTotals
    rows: list[UsageRow]
    budget: BudgetStatus


# Dates a shop can have data for; the far ends (e.g. 9999-12-31) would overflow the range arithmetic.
EARLIEST, LATEST = date(2000, 1, 1), date(2099, 12, 31)


def resolve_range(date_from: date | None, date_to: date | None, *, today: date | None = None) -> tuple[date, date]:
    """Defaults to the current Warsaw month up to today; both ends inclusive."""
    for field, day in (("from", date_from), ("to", date_to)):
        if day is not None and not EARLIEST <= day <= LATEST:
            raise ReportError(field, f"'{field}' must be a date between {EARLIEST} and {LATEST}.")
    today = today or datetime.now(timezone.utc).astimezone(WARSAW).date()
    date_to = date_to or today
    date_from = date_from or date_to.replace(day=1)
    if date_from > date_to:
        raise ReportError("from", "'from' must not be after 'to'.")
    if (date_to - date_from).days >= MAX_RANGE_DAYS:
        raise ReportError("from", f"A report covers at most {MAX_RANGE_DAYS} days.")
    return date_from, date_to


_SUMS = ("count(*) AS requests, COALESCE(sum(prompt_tokens), 0) AS prompt_tokens, "
         "COALESCE(sum(completion_tokens), 0) AS completion_tokens, COALESCE(sum(tokens_used), 0) AS tokens, "
         "COALESCE(sum(cost), 0) AS cost")


async def usage_report(tenant_id: UUID, date_from: date | None, date_to: date | None,
                       group_by: GroupBy = "day") -> UsageReport:
    date_from, date_to = resolve_range(date_from, date_to)
    start = datetime.combine(date_from, time.min, tzinfo=WARSAW)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=WARSAW)
    where = "WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3"
    limit = f" LIMIT {MAX_CONVERSATION_ROWS}" if group_by == "conversation" else ""
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        total = await connection.fetchrow(f"SELECT {_SUMS} FROM usage_logs {where}", tenant_id, start, end)
        rows = await connection.fetch(
            f"SELECT {_KEYS[group_by]} AS key, {_SUMS}, avg(latency_ms)::int AS avg_latency_ms "
            f"FROM usage_logs {where} GROUP BY 1 ORDER BY {_ORDER[group_by]}{limit}", tenant_id, start, end)
    budget = await budget_status(tenant_id)
    return UsageReport(
        date_from=date_from, date_to=date_to, group_by=group_by,
        totals=UsageTotals(requests=total["requests"], prompt_tokens=total["prompt_tokens"],
                           completion_tokens=total["completion_tokens"], tokens=total["tokens"],
                           cost_pln=float(total["cost"])),
        rows=[UsageRow(key=r["key"], requests=r["requests"], prompt_tokens=r["prompt_tokens"],
                       completion_tokens=r["completion_tokens"], tokens=r["tokens"], cost_pln=float(r["cost"]),
                       avg_latency_ms=r["avg_latency_ms"]) for r in rows],
        budget=budget,
    )
