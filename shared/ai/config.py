"""Per-tenant AI config: defaults when a seller set nothing, validated PATCHes, business-hours checks.

Stored in ``ai_configs`` (one row per tenant): the typed columns hold model, temperature, tokens,
tone, instructions and autopilot; ``policy`` (JSONB) holds the rest. Rows are read tolerantly: a
value this version does not understand falls back to its default instead of failing the reply.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal
from typing import Any, get_args
from uuid import UUID
from zoneinfo import ZoneInfo

import msgspec
from msgspec import UNSET

from shared.ai.pricing import Price, parse_prices, plan_budget_pln
from shared.ai.schemas import (
    AiConfigPatch,
    AiConfigView,
    AutopilotMode,
    BudgetExhausted,
    BusinessHours,
    HandoffTopic,
    Language,
    ModelChoice,
    Tone,
)
from shared.knowledge.similarity import embedding_model_id, similarity_thresholds
from shared.tenancy.db import tenant_tx, tx_connection

logger = logging.getLogger("bokai.ai.config")

WARSAW = ZoneInfo("Europe/Warsaw")
ALL_HANDOFF_TOPICS: tuple[str, ...] = get_args(HandoffTopic)
# A question about the return policy is answerable from the KB; an actual return request is not.
DEFAULT_HANDOFF_TOPICS = tuple(t for t in ALL_HANDOFF_TOPICS if t != "return_question")
# How the prompt phrases each tone (the seed: "2–3 zdania, profesjonalnie ale przyjaźnie").
TONE_INSTRUCTIONS = {
    "professional_friendly": "Odpowiadaj profesjonalnie, ale przyjaźnie, w 2–3 zdaniach.",
    "formal": "Odpowiadaj uprzejmie i formalnie (zwroty „Szanowny Panie / Szanowna Pani”), w 2–3 zdaniach.",
    "casual": "Odpowiadaj swobodnie i życzliwie, ale rzeczowo, w 2–3 zdaniach.",
}
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

COLUMN_DEFAULTS: dict[str, Any] = {
    "model_type": "local", "temperature": 0.3, "max_tokens": 300, "tone": "professional_friendly",
    "system_prompt": None, "autopilot_mode": "draft",
}
_COLUMN_TYPES: dict[str, Any] = {
    "model_type": ModelChoice, "temperature": float, "max_tokens": int, "tone": Tone,
    "system_prompt": str | None, "autopilot_mode": AutopilotMode,
}
_POLICY_TYPES: dict[str, tuple[Any, Any]] = {
    "business_hours": (BusinessHours, BusinessHours()),
    "handoff_topics": (list[HandoffTopic], list(DEFAULT_HANDOFF_TOPICS)),
    "monthly_budget_pln": (float | None, None),
    "budget_exhausted_behaviour": (BudgetExhausted, "local_only"),
    # None: the embedding model's calibrated value (shared/ai/thresholds.py); a seller may set their own.
    "curated_answer_threshold": (float | None, None),
    "language": (Language, "pl"),
}


class ConfigError(ValueError):
    """A value outside what the config allows; ``field`` is the API (camelCase) name."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


def _tolerant(value: Any, kind: Any, default: Any, name: str) -> Any:
    if value is None and default is not None:
        return default
    try:
        return msgspec.convert(value, kind, strict=False)
    except msgspec.ValidationError:
        logger.warning("ai config: stored %s is not understood by this version; using the default", name)
        return default


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        value = json.loads(value or "{}")
    return value if isinstance(value, dict) else {}


def _view(row: dict[str, Any] | None, plan: str) -> AiConfigView:
    row = row or {}
    cols = {k: _tolerant(row.get(k, d), _COLUMN_TYPES[k], d, k) for k, d in COLUMN_DEFAULTS.items()}
    policy = _json(row.get("policy"))
    extras = {k: _tolerant(policy.get(k, d), t, d, k) for k, (t, d) in _POLICY_TYPES.items()}
    plan_budget = plan_budget_pln(plan)
    own_budget = extras["monthly_budget_pln"]
    return AiConfigView(
        model_choice=cols["model_type"], temperature=round(float(cols["temperature"]), 2),
        max_tokens=cols["max_tokens"], tone=cols["tone"], custom_instructions=cols["system_prompt"],
        autopilot_mode=cols["autopilot_mode"], business_hours=extras["business_hours"],
        handoff_topics=extras["handoff_topics"],
        # A plan downgrade lowers the cap: an older, larger own budget never outlives it.
        monthly_budget_pln=float(plan_budget if own_budget is None else min(Decimal(str(own_budget)), plan_budget)),
        budget_from_plan=own_budget is None, plan_budget_pln=float(plan_budget),
        budget_exhausted_behaviour=extras["budget_exhausted_behaviour"],
        curated_answer_threshold=_curated_threshold(extras["curated_answer_threshold"]), language=extras["language"], plan=plan,
    )




def _curated_threshold(own: float | None) -> float:
    if own is not None:
        return own
    return similarity_thresholds(embedding_model_id()).curated


async def _plan(tenant_id: UUID) -> str:
    plan = await tx_connection().fetchval("SELECT subscription_plan FROM tenants WHERE id = $1", tenant_id)
    return plan or "basic"


async def _row(tenant_id: UUID, *, for_update: bool = False) -> dict[str, Any] | None:
    record = await tx_connection().fetchrow(
        "SELECT model_type, temperature, max_tokens, tone, system_prompt, autopilot_mode, policy "
        "FROM ai_configs WHERE tenant_id = $1" + (" FOR UPDATE" if for_update else ""), tenant_id)
    return dict(record) if record is not None else None


def default_ai_config(plan: str = "basic") -> AiConfigView:
    """What a seller on ``plan`` gets before saving anything."""
    return _view(None, plan)


async def get_ai_config(tenant_id: UUID) -> AiConfigView:
    """The tenant's config; the defaults (and the plan's budget) when the seller never saved one."""
    async with tenant_tx(tenant_id):
        return _view(await _row(tenant_id), await _plan(tenant_id))


async def load_for_usage(tenant_id: UUID) -> tuple[AiConfigView, dict[str, Price]]:
    """Config and the tenant's price overrides, inside the caller's tenant transaction."""
    row = await _row(tenant_id)
    overrides_raw = _json((row or {}).get("policy")).get("price_overrides") or {}
    try:
        overrides = parse_prices(overrides_raw, Decimal("1")) if overrides_raw else {}
    except (ValueError, msgspec.ValidationError):
        logger.warning("ai config: ignoring malformed price overrides")
        overrides = {}
    return _view(row, await _plan(tenant_id)), overrides


def _check_hours(hours: BusinessHours) -> None:
    for day in _DAYS:
        ranges = sorted(getattr(hours.week, day), key=lambda r: r.start)
        for i, span in enumerate(ranges):
            if span.start >= span.end:
                raise ConfigError(f"businessHours.week.{day}", f"{span.start}–{span.end}: the start must be before the end.")
            if i and ranges[i - 1].end > span.start:
                raise ConfigError(f"businessHours.week.{day}", "Opening hours on one day must not overlap.")


def _clean_instructions(text: str | None) -> str | None:
    if text is None:
        return None
    if "\x00" in text:
        raise ConfigError("customInstructions", "The instructions contain a character that cannot be stored.")
    return text.strip() or None


def _apply(row: dict[str, Any], policy: dict[str, Any], patch: AiConfigPatch, plan: str) -> None:
    simple = {"model_type": patch.model_choice, "tone": patch.tone, "autopilot_mode": patch.autopilot_mode,
              "max_tokens": patch.max_tokens}
    row.update({k: v for k, v in simple.items() if v is not UNSET})
    if patch.temperature is not UNSET:
        row["temperature"] = round(patch.temperature, 2)
    if patch.custom_instructions is not UNSET:
        row["system_prompt"] = _clean_instructions(patch.custom_instructions)
    if patch.business_hours is not UNSET:
        _check_hours(patch.business_hours)
        policy["business_hours"] = msgspec.to_builtins(patch.business_hours)
    if patch.handoff_topics is not UNSET:
        policy["handoff_topics"] = [t for t in ALL_HANDOFF_TOPICS if t in set(patch.handoff_topics)]
    if patch.monthly_budget_pln is not UNSET:
        cap = plan_budget_pln(plan)
        if patch.monthly_budget_pln is not None and Decimal(str(patch.monthly_budget_pln)) > cap:
            raise ConfigError("monthlyBudgetPln", f"Your plan ({plan}) allows at most {cap} zł of AI per month.")
        policy["monthly_budget_pln"] = (None if patch.monthly_budget_pln is None
                                        else round(patch.monthly_budget_pln, 2))
    for name in ("budget_exhausted_behaviour", "curated_answer_threshold", "language"):
        value = getattr(patch, name)
        if value is not UNSET:
            policy[name] = value


async def update_ai_config(tenant_id: UUID, patch: AiConfigPatch) -> AiConfigView:
    """Apply only the fields present in ``patch``; raise ConfigError naming the first bad one."""
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        # Concurrent first saves race on the unique tenant_id: one inserts, the other finds the row.
        await connection.execute(
            "INSERT INTO ai_configs (id, tenant_id, model_type, model_name, temperature, max_tokens, tone, "
            "autopilot_mode, policy, is_active, created_at, updated_at) "
            "VALUES (gen_random_uuid(), $1, 'local', '', 0.30, 300, 'professional_friendly', 'draft', "
            "'{}'::jsonb, true, now(), now()) ON CONFLICT (tenant_id) DO NOTHING", tenant_id)
        plan = await _plan(tenant_id)
        stored = await _row(tenant_id, for_update=True)
        current = _view(stored, plan)
        row = {"model_type": current.model_choice, "temperature": current.temperature,
               "max_tokens": current.max_tokens, "tone": current.tone,
               "system_prompt": current.custom_instructions, "autopilot_mode": current.autopilot_mode}
        policy = _json(stored["policy"]) if stored else {}
        _apply(row, policy, patch, plan)
        await connection.execute(
            "UPDATE ai_configs SET model_type = $2, temperature = $3, max_tokens = $4, tone = $5, "
            "system_prompt = $6, autopilot_mode = $7, policy = $8::jsonb, updated_at = now() "
            "WHERE tenant_id = $1", tenant_id, row["model_type"], Decimal(str(row["temperature"])),
            row["max_tokens"], row["tone"], row["system_prompt"], row["autopilot_mode"], json.dumps(policy))
        return _view(await _row(tenant_id), plan)


async def set_price_overrides(tenant_id: UUID, prices: dict[str, dict[str, Any]]) -> None:
    """Operator-only (negotiated or pass-through pricing); sellers cannot reach this through the API."""
    parse_prices(prices, Decimal("1"))  # reject a malformed table before storing it
    async with tenant_tx(tenant_id):
        await tx_connection().execute(
            "INSERT INTO ai_configs (id, tenant_id, model_type, model_name, policy, created_at, updated_at, "
            "temperature, max_tokens, tone, autopilot_mode, is_active) "
            "VALUES (gen_random_uuid(), $1, 'local', '', jsonb_build_object('price_overrides', $2::jsonb), "
            "now(), now(), 0.30, 300, 'professional_friendly', 'draft', true) "
            "ON CONFLICT (tenant_id) DO UPDATE SET policy = ai_configs.policy || "
            "jsonb_build_object('price_overrides', $2::jsonb), updated_at = now()",
            tenant_id, json.dumps(prices))


def _minutes(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


def within_business_hours(hours: BusinessHours, at: datetime) -> bool:
    """Whether ``at`` falls in one of the day's opening ranges, in Warsaw time (DST included)."""
    if at.tzinfo is None:
        raise ValueError("pass an aware datetime: a naive one is ambiguous across DST")
    local = at.astimezone(WARSAW)
    now = local.hour * 60 + local.minute
    return any(_minutes(span.start) <= now < _minutes(span.end)
               for span in getattr(hours.week, _DAYS[local.weekday()]))


def outside_hours_handoff(hours: BusinessHours, at: datetime) -> bool:
    """True when the seller wants a person to answer messages arriving at ``at`` (outside opening hours)."""
    return hours.handoff_outside_hours and not within_business_hours(hours, at)
