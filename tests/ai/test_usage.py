"""Usage and cost: real token counts from the LLM server, prices, monthly budgets, routing on exhaustion."""

from __future__ import annotations

import time
from datetime import date, datetime, timezone
from decimal import Decimal

import msgspec
import pytest

from shared.ai import pricing
from shared.ai.config import get_ai_config, set_price_overrides, update_ai_config
from shared.ai.pricing import PricingSettings, plan_budget_pln, price_for, price_table
from shared.ai.report import ReportError, resolve_range, usage_report
from shared.ai.routing import MessageFeatures, choose_model, load_endpoints
from shared.ai.schemas import AiConfigPatch
from shared.ai.usage import budget_status, month_bounds, record_llm_call
from shared.infra.llm import LlmSettings, make_llm_client
from shared.infra.postgres import engine
from shared.settings import SettingsError, load
from shared.tenancy.db import tenant_tx
from tests.ai.usage_support import add_usage, make_conversation, make_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
UTC = timezone.utc


async def logged_rows(tenant_id):
    async with tenant_tx(tenant_id):
        return await engine().current_transaction.get().connection.fetch(
            "SELECT model_used, prompt_tokens, completion_tokens, tokens_used, cost, latency_ms, conversation_id, "
            "action FROM usage_logs ORDER BY created_at")


async def test_logged_tokens_are_the_ones_the_llm_server_reported():
    tenant = await make_tenant()
    conversation = await make_conversation(tenant)
    settings = load(LlmSettings)
    client = make_llm_client(settings)
    started = time.perf_counter()
    try:
        response = await client.chat.completions.create(model=settings.model, max_tokens=40, temperature=0.3, messages=[
            {"role": "system", "content": "Jesteś asystentem sklepu. Odpowiadaj profesjonalnie, ale przyjaźnie, "
                                          "w 2–3 zdaniach."},
            {"role": "user", "content": "Dzień dobry, kiedy wyślecie moją paczkę?"}])
    finally:
        await client.close()
    latency_ms = int((time.perf_counter() - started) * 1000)
    usage = response.usage
    assert usage.prompt_tokens > 0 and usage.completion_tokens > 0

    record = await record_llm_call(tenant, model=settings.model, prompt_tokens=usage.prompt_tokens,
                                   completion_tokens=usage.completion_tokens, latency_ms=latency_ms,
                                   conversation_id=conversation)
    [row] = await logged_rows(tenant)
    assert (row["prompt_tokens"], row["completion_tokens"], row["tokens_used"]) == \
        (usage.prompt_tokens, usage.completion_tokens, usage.total_tokens)
    assert (row["model_used"], row["latency_ms"], row["conversation_id"], row["action"]) == \
        (settings.model, latency_ms, conversation, "ai_reply")
    # The local model is priced as self-hosted GPU time: 0.30 / 1.60 zł per 1M tokens.
    expected = (Decimal("0.30") * usage.prompt_tokens + Decimal("1.60") * usage.completion_tokens) / 1_000_000
    assert row["cost"] == record.cost_pln == expected.quantize(Decimal("0.000001"))


def test_default_prices_convert_openai_usd_to_pln():
    table = price_table(PricingSettings(usd_pln=4.0))
    assert price_for("gpt-4o-mini", table) == pricing.Price(Decimal("0.600"), Decimal("2.400"))
    assert price_for("gpt-4o-mini-2024-07-18", table) == table["gpt-4o-mini"]  # dated snapshot
    assert price_for("gpt-4.1-mini-2025-04-14", table) == table["gpt-4.1-mini"]
    assert price_for("gpt-5-turbo-unknown", table) == table["gpt-4.1-mini"]  # unknown cloud: dearest
    assert price_for("speakleash/Bielik-11B-v2.3-Instruct", table) == table[pricing.SELF_HOSTED]
    one_reply = price_for("gpt-4.1-mini", table).cost(850, 150)
    assert one_reply == Decimal("0.002320")


def test_price_table_from_env_merges_over_defaults():
    custom = PricingSettings(prices='{"bielik-11b": {"prompt": 0.1, "completion": 0.5}, '
                                    '"gpt-4o-mini": {"prompt": 0.2, "completion": 0.8, "currency": "USD"}}', usd_pln=3.5)
    table = price_table(custom)
    assert table["bielik-11b"] == pricing.Price(Decimal("0.1"), Decimal("0.5"))
    assert table["gpt-4o-mini"].completion == Decimal("2.80") and "gpt-4.1-mini" in table
    for bad in ('{"x": {"prompt": -1, "completion": 1}}', "not json", '{"x": {"prompt": 1}}',
                '{"x": {"prompt": 1, "completion": 1, "currency": "EUR"}}'):
        with pytest.raises(SettingsError, match="AI_PRICES"):
            price_table(PricingSettings(prices=bad))


def test_plan_budgets_keep_the_basic_plan_under_the_target():
    assert plan_budget_pln("basic") == Decimal("0.45") < Decimal("0.50")
    assert plan_budget_pln("no-such-plan") == Decimal("0.45")
    assert plan_budget_pln("pro", PricingSettings(plan_budgets='{"pro": 2}')) == Decimal("2.00")
    with pytest.raises(SettingsError):
        plan_budget_pln("pro", PricingSettings(plan_budgets='{"pro": "lots"}'))
    # The documented math: 20 messages a day, 850 prompt + 150 completion tokens, local model.
    month = price_for("smollm2-135m-instruct", price_table()).cost(850, 150) * 20 * 30
    assert month == Decimal("0.297000")


async def test_tenant_price_override_wins():
    tenant = await make_tenant("pro")
    await update_ai_config(tenant, msgspec.json.decode(b'{"tone": "casual"}', type=AiConfigPatch))
    await set_price_overrides(tenant, {"gpt-4o-mini": {"prompt": 1.0, "completion": 2.0, "currency": "PLN"}})
    record = await record_llm_call(tenant, model="gpt-4o-mini", prompt_tokens=1_000_000, completion_tokens=500_000,
                                   latency_ms=900)
    assert record.cost_pln == Decimal("2.000000")
    assert (await get_ai_config(tenant)).tone == "casual"  # the override did not clobber the config
    other = await record_llm_call(await make_tenant("pro"), model="gpt-4o-mini", prompt_tokens=1_000_000,
                                  completion_tokens=0, latency_ms=None)
    assert other.cost_pln == (Decimal("0.15") * Decimal("3.70")).quantize(Decimal("0.000001"))


def test_month_bounds_are_warsaw_midnights():
    start, end = month_bounds(date(2026, 10, 15))
    assert start.astimezone(UTC) == datetime(2026, 9, 30, 22, 0, tzinfo=UTC)  # CEST
    assert end.astimezone(UTC) == datetime(2026, 10, 31, 23, 0, tzinfo=UTC)  # CET after the change


async def test_budget_counts_the_warsaw_calendar_month():
    tenant = await make_tenant("basic")
    now = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)
    await add_usage(tenant, cost="0.100000", at=datetime(2026, 10, 31, 22, 30, tzinfo=UTC))  # 31 Oct 23:30 Warsaw
    await add_usage(tenant, cost="0.050000", at=datetime(2026, 10, 31, 23, 30, tzinfo=UTC))  # 1 Nov 00:30 Warsaw
    await add_usage(tenant, cost="0.010000", at=datetime(2026, 11, 15, 9, 0, tzinfo=UTC))
    status = await budget_status(tenant, now=now)
    assert (status.month, status.spent_pln, status.budget_pln, status.remaining_pln) == ("2026-11", 0.06, 0.45, 0.39)
    assert not status.exhausted and status.may_spend
    # 0.06 zł in 15.5 days → 0.12 zł by the end of November: well within 0.45, the strong model is allowed.
    assert status.projected_pln == pytest.approx(0.116, abs=0.001) and status.strong_allowed


async def test_fast_spending_pauses_the_strong_model_before_the_budget_runs_out():
    tenant = await make_tenant("basic")
    await add_usage(tenant, cost="0.200000", at=datetime(2026, 11, 5, 10, 0, tzinfo=UTC))
    status = await budget_status(tenant, now=datetime(2026, 11, 6, 0, 0, tzinfo=UTC))
    assert not status.exhausted and not status.strong_allowed and status.projected_pln > 0.45


async def test_exhausted_budget_flips_routing_per_tenant_setting():
    tenant = await make_tenant("premium")
    endpoints = load_endpoints()
    complex_message = MessageFeatures(length_chars=900, question_count=3, retrieval_confidence=0.3)

    async def route():
        config = await get_ai_config(tenant)
        return choose_model(config, config.plan, await budget_status(tenant), complex_message, endpoints=endpoints)

    assert (await route()).model_key == "strong"
    await update_ai_config(tenant, msgspec.json.decode(b'{"monthlyBudgetPln": 0.01}', type=AiConfigPatch))
    # 0.01 zł is spent by real calls: 6,000 completion tokens of the strong model at 1.60 zł/1M = 0.0096 zł.
    for _ in range(2):
        await record_llm_call(tenant, model=endpoints.strong.model, prompt_tokens=1000, completion_tokens=6000,
                              latency_ms=100)
    assert (await budget_status(tenant)).exhausted
    local = await route()
    assert (local.model_key, local.reason, local.handoff) == ("local", "budget_exhausted_local_only", False)

    await update_ai_config(tenant, msgspec.json.decode(b'{"budgetExhaustedBehaviour": "handoff"}',
                                                       type=AiConfigPatch))
    handoff = await route()
    assert (handoff.model_key, handoff.reason, handoff.handoff) == (None, "budget_exhausted_handoff", True)


async def test_unpaid_tenant_may_not_spend():
    tenant = await make_tenant("basic", status="past_due")
    assert not (await budget_status(tenant)).may_spend


async def test_usage_report_groups_by_day_model_and_conversation():
    tenant = await make_tenant("pro")
    first, second = await make_conversation(tenant), await make_conversation(tenant)
    rows = [("2026-11-02T10:00:00+01:00", "smollm2", "0.001000", first),
            ("2026-11-02T23:30:00+01:00", "gpt-4o-mini", "0.004000", first),  # still 2 Nov in Warsaw
            ("2026-11-03T00:10:00+01:00", "smollm2", "0.002000", second),
            ("2026-11-05T12:00:00+01:00", "smollm2", "0.003000", None),
            ("2026-12-01T00:00:00+01:00", "smollm2", "9.000000", None)]  # outside the range
    for at, model, cost, conversation in rows:
        await add_usage(tenant, cost=cost, at=datetime.fromisoformat(at), model=model, conversation_id=conversation)

    by_day = await usage_report(tenant, date(2026, 11, 1), date(2026, 11, 30), "day")
    assert [(r.key, r.requests, r.cost_pln) for r in by_day.rows] == \
        [("2026-11-02", 2, 0.005), ("2026-11-03", 1, 0.002), ("2026-11-05", 1, 0.003)]
    assert (by_day.totals.requests, by_day.totals.tokens, by_day.totals.cost_pln) == (4, 480, 0.01)
    by_model = await usage_report(tenant, date(2026, 11, 1), date(2026, 11, 30), "model")
    assert [(r.key, r.requests) for r in by_model.rows] == [("smollm2", 3), ("gpt-4o-mini", 1)]
    by_conversation = await usage_report(tenant, date(2026, 11, 1), date(2026, 11, 30), "conversation")
    assert {r.key: r.cost_pln for r in by_conversation.rows} == {str(first): 0.005, str(second): 0.002, None: 0.003}
    assert by_conversation.budget.budget_pln == 1.5
    encoded = msgspec.json.decode(msgspec.json.encode(by_day))
    assert {"from", "to", "groupBy", "totals", "rows", "budget"} <= encoded.keys()
    assert encoded["rows"][0].keys() >= {"promptTokens", "completionTokens", "costPln", "avgLatencyMs"}


def test_report_range_rules():
    assert resolve_range(None, None, today=date(2026, 11, 25)) == (date(2026, 11, 1), date(2026, 11, 25))
    with pytest.raises(ReportError):
        resolve_range(date(2026, 11, 5), date(2026, 11, 1))
    with pytest.raises(ReportError):
        resolve_range(date(2025, 1, 1), date(2026, 11, 1))
