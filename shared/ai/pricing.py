"""What an LLM call costs in PLN, and how much AI each plan may spend per month.

Prices are PLN per 1M tokens, prompt and completion separately, keyed by the model name sent to
the API. Defaults below; env ``AI_PRICES`` (JSON, merged over the defaults) changes them, e.g.
``{"gpt-4o-mini": {"prompt": 0.15, "completion": 0.60, "currency": "USD"}}``; USD prices are
converted with ``AI_USD_PLN``. A tenant may carry its own overrides (config policy ``price_overrides``,
same shape), set by an operator, never through the seller-facing API.

Self-hosted vLLM (the "local" model) has no per-token bill, so it is priced by the amortised GPU:
  * Hetzner GEX44 (RTX 4000 SFF Ada, 20 GB) ≈ €184/month ≈ 800 zł, serving Bielik-11B in FP8;
  * estimated vLLM throughput on it: prefill ≈ 3,000 tok/s, batched decode ≈ 500 tok/s in total;
  * 40 % average utilisation (traffic follows shop hours): 30 d × 86,400 s × 0.4 ≈ 1.04 M busy s;
  * prompt: 800 zł / (3,000 × 1.04 M tok) = 0.26 zł/1M → 0.30; completion: 800 / (500 × 1.04 M)
    = 1.54 zł/1M → 1.60 (rounded up; prefix-cache hits are not discounted, so this over-counts).
OpenAI list prices (USD per 1M, Nov 2026 list): gpt-4o-mini 0.15 / 0.60, gpt-4.1-mini 0.40 / 1.60,
gpt-4.1-nano 0.10 / 0.40; cached-input discounts ignored (over-counts again).

Plan budgets (``AI_PLAN_BUDGETS`` JSON overrides): the 40 zł "basic" plan gets 0.45 zł/month, under
the 0.50 zł target. Measured on the local server (SmolLM2 tokenizer, which splits Polish into ~2
chars/token, more than Bielik's or OpenAI's): a reply prompt with the Polish system prompt, three KB
passages, one exchange of history and the question = 835–858 prompt tokens; a 2–3 sentence Polish
reply ≈ 300 chars ≈ 150 tokens. Per reply: local 850 × 0.30 + 150 × 1.60 = 0.000495 zł,
gpt-4o-mini 0.0008 zł, gpt-4.1-mini 0.0021 zł (USD/PLN 3.70). 20 messages/day × 30 = 600 replies:
local only 0.30 zł/month, leaving 0.15 zł for ≈ 70 gpt-4.1-mini escalations before the pace rule in
usage.budget_status stops escalating.
"""

from __future__ import annotations

import json
import logging
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any, ClassVar

import msgspec

from shared.settings import Settings, SettingsError, load

logger = logging.getLogger("bokai.ai.pricing")

SELF_HOSTED = "self-hosted"
MILLION = Decimal(1_000_000)
COST_QUANTUM = Decimal("0.000001")  # usage_logs.cost is NUMERIC(12, 6)
# Names OpenAI gives its chat models; an unknown one of these is priced as the dearest cloud model.
CLOUD_PREFIXES = ("gpt-", "chatgpt-", "o1", "o3", "o4")

DEFAULT_PRICES: dict[str, dict[str, Any]] = {
    SELF_HOSTED: {"prompt": 0.30, "completion": 1.60, "currency": "PLN"},
    "gpt-4o-mini": {"prompt": 0.15, "completion": 0.60, "currency": "USD"},
    "gpt-4.1-mini": {"prompt": 0.40, "completion": 1.60, "currency": "USD"},
    "gpt-4.1-nano": {"prompt": 0.10, "completion": 0.40, "currency": "USD"},
}
DEFAULT_PLAN_BUDGETS_PLN = {"basic": 0.45, "pro": 1.50, "premium": 4.00}
FALLBACK_PLAN = "basic"


class PricingSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "AI_"
    prices: str = ""
    usd_pln: float = 3.70
    plan_budgets: str = ""


class PriceEntry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    prompt: float
    completion: float
    currency: str = "PLN"


class Price(msgspec.Struct, frozen=True):
    """PLN per 1M tokens."""

    prompt: Decimal
    completion: Decimal

    def cost(self, prompt_tokens: int, completion_tokens: int) -> Decimal:
        total = (self.prompt * prompt_tokens + self.completion * completion_tokens) / MILLION
        return total.quantize(COST_QUANTUM, rounding=ROUND_HALF_UP)


def _to_pln(entry: PriceEntry, usd_pln: Decimal) -> Price:
    if entry.prompt < 0 or entry.completion < 0 or entry.currency not in ("PLN", "USD"):
        raise ValueError("prices must be non-negative, currency PLN or USD")
    rate = usd_pln if entry.currency == "USD" else Decimal(1)
    return Price(Decimal(str(entry.prompt)) * rate, Decimal(str(entry.completion)) * rate)


def parse_prices(raw: dict[str, Any], usd_pln: Decimal) -> dict[str, Price]:
    entries = msgspec.convert(raw, dict[str, PriceEntry])
    return {model: _to_pln(entry, usd_pln) for model, entry in entries.items()}


@lru_cache(maxsize=8)
def _table(raw_prices: str, usd_pln: float) -> dict[str, Price]:
    merged = dict(DEFAULT_PRICES)
    if raw_prices:
        try:
            merged.update(json.loads(raw_prices))
            return parse_prices(merged, Decimal(str(usd_pln)))
        except (ValueError, msgspec.ValidationError) as exc:
            raise SettingsError(f"AI_PRICES is not a valid price table: {exc}") from None
    return parse_prices(merged, Decimal(str(usd_pln)))


def price_table(settings: PricingSettings | None = None) -> dict[str, Price]:
    settings = settings or load(PricingSettings)
    return _table(settings.prices, settings.usd_pln)


def price_for(model: str, table: dict[str, Price], overrides: dict[str, Price] | None = None) -> Price:
    """The tenant's price, else the table's (dated snapshots match their base name), else a safe guess."""
    for source in (overrides or {}, table):
        if model in source:
            return source[model]
    for known in sorted(table, key=len, reverse=True):
        if known != SELF_HOSTED and model.startswith(known):
            return table[known]
    if model.startswith(CLOUD_PREFIXES):
        # Over-charging an unpriced cloud model is recoverable; under-charging silently blows budgets.
        logger.warning("no price for cloud model %s: charging the dearest known cloud price", model)
        cloud = [p for name, p in table.items() if name != SELF_HOSTED] or [table[SELF_HOSTED]]
        return max(cloud, key=lambda p: (p.completion, p.prompt))
    return table[SELF_HOSTED]


def plan_budget_pln(plan: str, settings: PricingSettings | None = None) -> Decimal:
    settings = settings or load(PricingSettings)
    budgets = _plan_budgets(settings.plan_budgets)
    return budgets.get(plan, budgets[FALLBACK_PLAN])


@lru_cache(maxsize=8)
def _plan_budgets(raw: str) -> dict[str, Decimal]:
    merged: dict[str, Any] = dict(DEFAULT_PLAN_BUDGETS_PLN)
    if raw:
        try:
            merged.update(msgspec.convert(json.loads(raw), dict[str, float]))
        except (ValueError, msgspec.ValidationError) as exc:
            raise SettingsError(f"AI_PLAN_BUDGETS must map plan names to PLN amounts: {exc}") from None
    if any(v < 0 for v in merged.values()):
        raise SettingsError("AI_PLAN_BUDGETS amounts must be non-negative")
    return {plan: Decimal(str(v)).quantize(Decimal("0.01")) for plan, v in merged.items()}
