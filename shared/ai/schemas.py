"""AI config as the API shows and accepts it (camelCase at the edge); ranges are declared once, here."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, Meta, UnsetType

from shared.infra.field_patterns import whole_value

ModelChoice = Literal["local", "strong"]
Tone = Literal["professional_friendly", "formal", "casual"]
AutopilotMode = Literal["auto", "draft", "off"]
BudgetExhausted = Literal["local_only", "handoff"]
# The codes shared/ai/handoff.py classifies messages into.
HandoffTopic = Literal["complaint", "return_request", "return_question", "dispute", "defect", "angry", "legal"]
Language = Literal["pl", "en", "ro", "bg", "hu", "de", "cs", "sk", "uk"]

Temperature = Annotated[float, Meta(ge=0.0, le=1.0, description="0 = the same answer every time, 1 = most varied")]
MaxTokens = Annotated[int, Meta(ge=50, le=800, description="Upper bound on the reply length in tokens")]
Instructions = Annotated[str, Meta(max_length=2000, description="Extra instructions for the AI, in any language")]
BudgetPln = Annotated[float, Meta(ge=0.0, le=10_000.0, description="Monthly AI spending limit in PLN")]
Threshold = Annotated[float, Meta(ge=0.8, le=1.0, description="Similarity above which a curated answer is sent verbatim")]
ClockTime = Annotated[str, Meta(
    pattern=whole_value(r"(?:(?:[01]\d|2[0-3]):[0-5]\d|24:00)", "must be a time HH:MM from 00:00 to 24:00"),
    description="HH:MM, Europe/Warsaw", examples=["09:00"])]


class TimeRange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    start: ClockTime
    end: ClockTime


DayRanges = Annotated[list[TimeRange], Meta(max_length=4)]
_OFFICE = [TimeRange("09:00", "17:00")]


class WeekSchedule(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    mon: DayRanges = msgspec.field(default_factory=lambda: list(_OFFICE))
    tue: DayRanges = msgspec.field(default_factory=lambda: list(_OFFICE))
    wed: DayRanges = msgspec.field(default_factory=lambda: list(_OFFICE))
    thu: DayRanges = msgspec.field(default_factory=lambda: list(_OFFICE))
    fri: DayRanges = msgspec.field(default_factory=lambda: list(_OFFICE))
    sat: DayRanges = msgspec.field(default_factory=list)
    sun: DayRanges = msgspec.field(default_factory=list)


class BusinessHours(msgspec.Struct, frozen=True, rename="camel", forbid_unknown_fields=True):
    # Off by default: sellers expect the AI to draft around the clock until they say otherwise.
    handoff_outside_hours: bool = False
    timezone: Literal["Europe/Warsaw"] = "Europe/Warsaw"
    week: WeekSchedule = msgspec.field(default_factory=WeekSchedule)


class AiConfigView(msgspec.Struct, frozen=True, rename="camel", kw_only=True):
    model_choice: ModelChoice
    temperature: float
    max_tokens: int
    tone: Tone
    custom_instructions: str | None
    autopilot_mode: AutopilotMode
    business_hours: BusinessHours
    handoff_topics: list[HandoffTopic]
    monthly_budget_pln: float
    # True while the budget follows the plan (a plan change moves it); False once the seller set one.
    budget_from_plan: bool
    plan_budget_pln: float
    budget_exhausted_behaviour: BudgetExhausted
    curated_answer_threshold: float
    language: Language
    plan: str


class AiConfigPatch(msgspec.Struct, rename="camel", kw_only=True, forbid_unknown_fields=True):
    """Only the fields sent change; ``null`` resets customInstructions and monthlyBudgetPln."""

    model_choice: ModelChoice | UnsetType = UNSET
    temperature: Temperature | UnsetType = UNSET
    max_tokens: MaxTokens | UnsetType = UNSET
    tone: Tone | UnsetType = UNSET
    custom_instructions: Instructions | None | UnsetType = UNSET
    autopilot_mode: AutopilotMode | UnsetType = UNSET
    business_hours: BusinessHours | UnsetType = UNSET
    handoff_topics: Annotated[list[HandoffTopic], Meta(max_length=7)] | UnsetType = UNSET
    monthly_budget_pln: BudgetPln | None | UnsetType = UNSET
    budget_exhausted_behaviour: BudgetExhausted | UnsetType = UNSET
    curated_answer_threshold: Threshold | UnsetType = UNSET
    language: Language | UnsetType = UNSET
