"""AI config: Polish defaults without a row, PATCH changes only what is sent, ranges enforced."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import msgspec
import pytest

from shared.ai import config as ai_config
from shared.ai.config import ConfigError, get_ai_config, update_ai_config, within_business_hours
from shared.ai.schemas import AiConfigPatch, BusinessHours, TimeRange, WeekSchedule
from shared.infra.postgres import engine
from shared.knowledge.similarity import embedding_model_id, similarity_thresholds
from shared.tenancy.db import tenant_tx
from tests.ai.usage_support import make_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
decode_patch = msgspec.json.Decoder(AiConfigPatch).decode


async def test_defaults_without_a_row():
    config = await get_ai_config(await make_tenant("basic"))
    assert (config.model_choice, config.temperature, config.max_tokens, config.tone, config.autopilot_mode) == \
        ("local", 0.3, 300, "professional_friendly", "draft")
    assert config.custom_instructions is None and config.language == "pl"
    assert config.handoff_topics == ["complaint", "return_request", "dispute", "defect", "angry", "legal"]
    assert config.business_hours.handoff_outside_hours is False
    assert config.business_hours.week.mon == [TimeRange("09:00", "17:00")] and config.business_hours.week.sun == []
    assert (config.monthly_budget_pln, config.budget_from_plan, config.plan) == (0.45, True, "basic")
    # Until the seller sets one, the embedding model's calibrated threshold (shared/knowledge/calibration).
    calibrated = similarity_thresholds(embedding_model_id()).curated
    assert (config.budget_exhausted_behaviour, config.curated_answer_threshold) == ("local_only", calibrated)
    assert (await get_ai_config(await make_tenant("premium"))).monthly_budget_pln == 4.0


async def test_patch_changes_only_the_fields_sent():
    tenant = await make_tenant("pro")
    first = await update_ai_config(tenant, decode_patch(b'{"temperature": 0.55, "tone": "formal"}'))
    assert (first.temperature, first.tone, first.max_tokens, first.autopilot_mode) == (0.55, "formal", 300, "draft")
    second = await update_ai_config(tenant, decode_patch(json.dumps({
        "autopilotMode": "auto", "maxTokens": 120, "customInstructions": "  Zawsze podpisuj się: Zespół Domowe Dobra. ",
        "handoffTopics": ["legal", "complaint", "legal"], "monthlyBudgetPln": 1.2, "budgetExhaustedBehaviour": "handoff",
        "curatedAnswerThreshold": 0.97, "language": "en", "modelChoice": "strong",
        "businessHours": {"handoffOutsideHours": True, "week": {"mon": [{"start": "08:00", "end": "12:00"},
                                                                        {"start": "13:00", "end": "16:00"}]}},
    }).encode()))
    stored = await get_ai_config(tenant)
    assert stored == second
    assert (stored.temperature, stored.tone, stored.autopilot_mode, stored.max_tokens) == (0.55, "formal", "auto", 120)
    assert stored.custom_instructions == "Zawsze podpisuj się: Zespół Domowe Dobra."
    assert stored.handoff_topics == ["complaint", "legal"]  # de-duplicated, canonical order
    assert (stored.monthly_budget_pln, stored.budget_from_plan, stored.budget_exhausted_behaviour) == (1.2, False, "handoff")
    assert (stored.curated_answer_threshold, stored.language, stored.model_choice) == (0.97, "en", "strong")
    assert stored.business_hours.handoff_outside_hours and len(stored.business_hours.week.mon) == 2
    assert stored.business_hours.week.sat == []  # days not sent keep their defaults

    reset = await update_ai_config(tenant, decode_patch(b'{"customInstructions": null, "monthlyBudgetPln": null}'))
    assert (reset.custom_instructions, reset.monthly_budget_pln, reset.budget_from_plan) == (None, 1.5, True)
    assert reset.tone == "formal" and (await update_ai_config(tenant, decode_patch(b"{}"))) == reset


@pytest.mark.parametrize(("body", "path"), [
    ({"temperature": 3}, "$.temperature"),
    ({"temperature": -0.1}, "$.temperature"),
    ({"maxTokens": 49}, "$.maxTokens"),
    ({"maxTokens": 801}, "$.maxTokens"),
    ({"tone": "pirate"}, "$.tone"),
    ({"autopilotMode": "yolo"}, "$.autopilotMode"),
    ({"modelChoice": "gpt-5"}, "$.modelChoice"),
    ({"customInstructions": "x" * 2001}, "$.customInstructions"),
    ({"handoffTopics": ["weather"]}, "$.handoffTopics[0]"),
    ({"monthlyBudgetPln": -1}, "$.monthlyBudgetPln"),
    ({"curatedAnswerThreshold": 0.5}, "$.curatedAnswerThreshold"),
    ({"language": "xx"}, "$.language"),
    ({"businessHours": {"week": {"mon": [{"start": "25:00", "end": "26:00"}]}}}, "$.businessHours.week.mon[0].start"),
    ({"businessHours": {"timezone": "Europe/London"}}, "$.businessHours.timezone"),
    ({"temperatur": 0.2}, "temperatur"),
])
def test_out_of_range_values_are_rejected_with_the_field_named(body, path):
    with pytest.raises(msgspec.ValidationError) as error:
        decode_patch(json.dumps(body).encode())
    assert path in str(error.value)


@pytest.mark.parametrize(("body", "field"), [
    ({"businessHours": {"week": {"tue": [{"start": "17:00", "end": "09:00"}]}}}, "businessHours.week.tue"),
    ({"businessHours": {"week": {"fri": [{"start": "09:00", "end": "13:00"}, {"start": "12:00", "end": "18:00"}]}}},
     "businessHours.week.fri"),
    ({"monthlyBudgetPln": 5.0}, "monthlyBudgetPln"),  # above the basic plan's 0.45 zł
    ({"customInstructions": "a\u0000b"}, "customInstructions"),
])
async def test_rules_across_fields_raise_config_error(body, field):
    tenant = await make_tenant("basic")
    with pytest.raises(ConfigError) as error:
        await update_ai_config(tenant, decode_patch(json.dumps(body).encode()))
    assert error.value.field == field
    assert await get_ai_config(tenant) == ai_config.default_ai_config("basic")  # nothing half-applied


async def test_plan_downgrade_caps_an_own_budget():
    tenant = await make_tenant("premium")
    await update_ai_config(tenant, decode_patch(b'{"monthlyBudgetPln": 3.0}'))
    async with tenant_tx(tenant):
        await engine().current_transaction.get().connection.execute(
            "UPDATE tenants SET subscription_plan = 'basic' WHERE id = $1", tenant)
    assert (await get_ai_config(tenant)).monthly_budget_pln == 0.45


async def test_rows_this_version_does_not_understand_fall_back_to_defaults():
    tenant = await make_tenant("basic")
    async with tenant_tx(tenant):
        await engine().current_transaction.get().connection.execute(
            "INSERT INTO ai_configs (id, tenant_id, model_type, model_name, temperature, max_tokens, tone, "
            "autopilot_mode, policy, is_active) VALUES (gen_random_uuid(), $1, 'gpt4', 'x', 0.9, 300, 'pirate', "
            "'auto', $2::jsonb, true)", tenant,
            json.dumps({"handoff_topics": "all", "language": "pl", "budget_exhausted_behaviour": "handoff",
                        "business_hours": {"week": {"mon": "always"}}}))
    config = await get_ai_config(tenant)
    assert (config.model_choice, config.tone, config.temperature, config.autopilot_mode) == \
        ("local", "professional_friendly", 0.9, "auto")
    assert config.handoff_topics == list(ai_config.DEFAULT_HANDOFF_TOPICS)
    assert config.budget_exhausted_behaviour == "handoff" and config.business_hours == BusinessHours()


WARSAW = ZoneInfo("Europe/Warsaw")
HOURS = BusinessHours(week=WeekSchedule(sat=[TimeRange("10:00", "14:00")], sun=[TimeRange("20:00", "24:00")]))


@pytest.mark.parametrize(("moment", "expected"), [
    (datetime(2026, 11, 23, 9, 0, tzinfo=WARSAW), True),       # Monday, opening minute
    (datetime(2026, 11, 23, 16, 59, tzinfo=WARSAW), True),
    (datetime(2026, 11, 23, 17, 0, tzinfo=WARSAW), False),     # closing minute is outside
    (datetime(2026, 11, 23, 8, 30, tzinfo=timezone.utc), True),  # 09:30 in Warsaw (CET, UTC+1)
    (datetime(2026, 7, 6, 7, 30, tzinfo=timezone.utc), True),   # 09:30 in Warsaw (CEST, UTC+2)
    (datetime(2026, 7, 6, 6, 30, tzinfo=timezone.utc), False),  # 08:30 in Warsaw in summer
    (datetime(2026, 11, 28, 13, 59, tzinfo=WARSAW), True),     # Saturday short hours
    (datetime(2026, 11, 28, 14, 0, tzinfo=WARSAW), False),
    (datetime(2026, 11, 29, 23, 59, tzinfo=WARSAW), True),     # Sunday until midnight
    (datetime(2026, 11, 29, 12, 0, tzinfo=WARSAW), False),
])
def test_business_hours_in_warsaw_time(moment, expected):
    assert within_business_hours(HOURS, moment) is expected


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError):
        within_business_hours(HOURS, datetime(2026, 11, 23, 10, 0))


def test_outside_hours_handoff_only_when_the_seller_asked_for_it():
    sunday_noon = datetime(2026, 11, 29, 12, 0, tzinfo=WARSAW)
    assert not ai_config.outside_hours_handoff(HOURS, sunday_noon)
    strict = msgspec.structs.replace(HOURS, handoff_outside_hours=True)
    assert ai_config.outside_hours_handoff(strict, sunday_noon)
    assert not ai_config.outside_hours_handoff(strict, datetime(2026, 11, 23, 10, 0, tzinfo=WARSAW))


def test_handoff_topics_match_the_classifier_codes():
    handoff = pytest.importorskip("shared.ai.handoff")
    assert set(ai_config.ALL_HANDOFF_TOPICS) == set(handoff.ALL_TOPICS)
    assert set(ai_config.DEFAULT_HANDOFF_TOPICS) == set(handoff.DEFAULT_HANDOFF_TOPICS)
