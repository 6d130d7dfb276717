"""Which model answers a message: the cheap local one unless the case or the plan earns the strong one.

``choose_model`` is pure apart from one structured log line: endpoints and thresholds come in as
arguments (``load_endpoints()`` / ``load(RoutingThresholds)`` read them from settings once).
"""

from __future__ import annotations

import logging
import re
from typing import ClassVar, Literal
from uuid import UUID

import msgspec

from shared.ai.schemas import AiConfigView
from shared.ai.usage import BudgetStatus
from shared.infra.llm import LlmSettings
from shared.settings import Settings, load

logger = logging.getLogger("bokai.ai.routing")

ModelKey = Literal["local", "strong"]
PREMIUM_PLANS = frozenset({"premium"})


class StrongLlmSettings(Settings, frozen=True, kw_only=True):
    """The strong model: another vLLM model or a cloud one. Empty fields fall back to LLM_* (locally
    both are the same SmolLM2 server), so a deployment without a strong model still routes."""

    env_prefix: ClassVar[str] = "LLM_STRONG_"
    base_url: str = ""
    model: str = ""
    api_key: str = ""


class RoutingThresholds(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "AI_ROUTING_"
    # ~4 sentences of Polish; longer messages usually carry several issues or a story to untangle.
    long_message_chars: int = 600
    many_questions: int = 3
    # Below this the KB passages are a weak match: a small model tends to answer from thin air.
    low_retrieval_confidence: float = 0.55


class ModelEndpoint(msgspec.Struct, frozen=True, kw_only=True):
    key: ModelKey
    base_url: str
    model: str
    api_key: str = msgspec.field(default="not-needed")

    def llm_settings(self, base: LlmSettings) -> LlmSettings:
        """Settings for make_llm_client(): this endpoint with the shared timeouts and retries."""
        return msgspec.structs.replace(base, base_url=self.base_url, model=self.model, api_key=self.api_key)

    def __repr__(self) -> str:  # keeps API keys out of logs and tracebacks
        return f"ModelEndpoint(key={self.key!r}, base_url={self.base_url!r}, model={self.model!r})"


class ModelEndpoints(msgspec.Struct, frozen=True, kw_only=True):
    local: ModelEndpoint
    strong: ModelEndpoint


class MessageFeatures(msgspec.Struct, frozen=True, kw_only=True):
    """What routing may know about a message: sizes and scores, never its text."""

    length_chars: int
    question_count: int
    # Best retrieval score for the message (0–1); None when retrieval was not run.
    retrieval_confidence: float | None = None

    @classmethod
    def from_text(cls, text: str, retrieval_confidence: float | None = None) -> MessageFeatures:
        return cls(length_chars=len(text.strip()), question_count=count_questions(text),
                   retrieval_confidence=retrieval_confidence)


class RoutingDecision(msgspec.Struct, frozen=True, kw_only=True):
    # None with handoff=True: no model is called, a person answers.
    model_key: ModelKey | None
    base_url: str | None
    model_name: str | None
    reason: str
    handoff: bool = False
    # Every complexity/plan signal seen, for the log and the dashboard, even when not acted on.
    signals: tuple[str, ...] = ()


_QUESTION_RUN = re.compile(r"\?+")


def count_questions(text: str) -> int:
    # "Kiedy wysyłka??" is one question; Polish customers often skip the mark, so this undercounts,
    # which errs on the cheap side.
    return len(_QUESTION_RUN.findall(text))


def load_endpoints() -> ModelEndpoints:
    base, strong = load(LlmSettings), load(StrongLlmSettings)
    return ModelEndpoints(
        local=ModelEndpoint(key="local", base_url=base.base_url, model=base.model, api_key=base.api_key),
        strong=ModelEndpoint(key="strong", base_url=strong.base_url or base.base_url,
                             model=strong.model or base.model, api_key=strong.api_key or base.api_key),
    )


def _signals(config: AiConfigView, plan: str, features: MessageFeatures, limits: RoutingThresholds) -> list[str]:
    signals = []
    if config.model_choice == "strong":
        signals.append("tenant_prefers_strong")
    if plan in PREMIUM_PLANS:
        signals.append("premium_plan")
    if features.length_chars >= limits.long_message_chars:
        signals.append("long_message")
    if features.question_count >= limits.many_questions:
        signals.append("several_questions")
    if features.retrieval_confidence is not None and features.retrieval_confidence < limits.low_retrieval_confidence:
        signals.append("low_retrieval_confidence")
    return signals


def _decide(config: AiConfigView, budget: BudgetStatus, signals: list[str],
            endpoints: ModelEndpoints) -> tuple[ModelEndpoint | None, str]:
    if not budget.may_spend:
        return None, "subscription_inactive"
    if budget.exhausted:
        if config.budget_exhausted_behaviour == "handoff":
            return None, "budget_exhausted_handoff"
        return endpoints.local, "budget_exhausted_local_only"
    if not signals:
        return endpoints.local, "default_local"
    if not budget.strong_allowed:
        return endpoints.local, "budget_pace_local"
    return endpoints.strong, signals[0]


def choose_model(config: AiConfigView, plan: str, budget: BudgetStatus, features: MessageFeatures, *,
                 endpoints: ModelEndpoints, thresholds: RoutingThresholds | None = None,
                 tenant_id: UUID | None = None) -> RoutingDecision:
    signals = _signals(config, plan, features, thresholds or RoutingThresholds())
    endpoint, reason = _decide(config, budget, signals, endpoints)
    decision = RoutingDecision(
        model_key=endpoint.key if endpoint else None, base_url=endpoint.base_url if endpoint else None,
        model_name=endpoint.model if endpoint else None, reason=reason, handoff=endpoint is None,
        signals=tuple(signals))
    fields = {"tenant_id": str(tenant_id) if tenant_id else None, "model_key": decision.model_key, "model": decision.model_name, "reason": reason,
              "signals": list(signals), "plan": plan, "length_chars": features.length_chars,
              "questions": features.question_count, "retrieval_confidence": features.retrieval_confidence,
              "budget_spent_pln": budget.spent_pln, "budget_pln": budget.budget_pln}
    logger.info("ai routing %s", " ".join(f"{k}={v}" for k, v in fields.items()), extra={"routing": fields})
    return decision
