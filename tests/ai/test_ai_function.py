"""The ai function through the gateway: config, usage report and budget, roles, clear 400s, isolation."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest

from functions.ai.handler import app as ai_app
from functions.auth.handler import app as auth_app
from shared.ai.usage import record_llm_call
from shared.gateway.dispatcher import FunctionGateway
from tests.ai.usage_support import make_conversation
from tests.support import serve

PASSWORD = "Zielona-Herbata-42"
pytestmark = pytest.mark.integration


@pytest.fixture
async def gateway():
    async with serve(FunctionGateway({"auth": auth_app, "ai": ai_app}), timeout=60) as client:
        yield client


async def sign_up(gateway, company: str) -> tuple[dict[str, str], uuid.UUID]:
    response = await gateway.post("/function/auth/register", json={
        "email": f"ai-{uuid.uuid4().hex[:10]}@example.pl", "password": PASSWORD, "companyName": company})
    assert response.status_code == 201, response.text
    body = response.json()
    return {"Authorization": f"Bearer {body['accessToken']}"}, uuid.UUID(body["tenant"]["id"])


async def join_as_member(gateway, owner: dict[str, str]) -> dict[str, str]:
    invite = await gateway.post("/function/auth/members/invites", headers=owner,
                                json={"email": f"ai-m-{uuid.uuid4().hex[:8]}@example.pl", "role": "member"})
    assert invite.status_code == 201, invite.text
    joined = await gateway.post("/function/auth/invites/accept",
                                json={"token": invite.json()["inviteToken"], "password": PASSWORD})
    assert joined.status_code == 200, joined.text
    return {"Authorization": f"Bearer {joined.json()['accessToken']}"}


async def test_config_defaults_and_patch(gateway):
    seller, _ = await sign_up(gateway, "Domowe Dobra")
    config = (await gateway.get("/function/ai/config", headers=seller)).json()
    assert (config["modelChoice"], config["temperature"], config["maxTokens"], config["autopilotMode"]) == \
        ("local", 0.3, 300, "draft")
    assert (config["tone"], config["language"], config["monthlyBudgetPln"], config["plan"]) == \
        ("professional_friendly", "pl", 0.45, "basic")
    assert config["businessHours"]["week"]["mon"] == [{"start": "09:00", "end": "17:00"}]

    changed = await gateway.patch("/function/ai/config", headers=seller,
                                  json={"temperature": 0.2, "autopilotMode": "auto", "handoffTopics": ["complaint"]})
    assert changed.status_code == 200, changed.text
    again = (await gateway.get("/function/ai/config", headers=seller)).json()
    assert (again["temperature"], again["autopilotMode"], again["handoffTopics"], again["maxTokens"]) == \
        (0.2, "auto", ["complaint"], 300)


@pytest.mark.parametrize(("body", "field"), [
    ({"temperature": 3}, "temperature"),
    ({"maxTokens": 5000}, "maxTokens"),
    ({"tone": "pirate"}, "tone"),
    ({"monthlyBudgetPln": 100}, "monthlyBudgetPln"),
    ({"businessHours": {"week": {"mon": [{"start": "18:00", "end": "08:00"}]}}}, "businessHours.week.mon"),
    ({"customInstructions": "x\u0000"}, "customInstructions"),
])
async def test_invalid_config_is_a_400_naming_the_field(gateway, body, field):
    seller, _ = await sign_up(gateway, "Sklep Walidacja")
    response = await gateway.patch("/function/ai/config", headers=seller, json=body)
    assert response.status_code == 400, response.text
    assert field in response.text
    assert (await gateway.get("/function/ai/config", headers=seller)).json()["temperature"] == 0.3


async def test_bad_requests_never_500(gateway):
    seller, _ = await sign_up(gateway, "Sklep Błędy")
    broken = await gateway.patch("/function/ai/config", headers={**seller, "content-type": "application/json"},
                                 content=b"{not json")
    not_object = await gateway.patch("/function/ai/config", headers=seller, json=[1, 2])
    bad_group = await gateway.get("/function/ai/usage?groupBy=week", headers=seller)
    bad_date = await gateway.get("/function/ai/usage?from=2026-13-01", headers=seller)
    reversed_range = await gateway.get("/function/ai/usage?from=2026-11-10&to=2026-11-01", headers=seller)
    last_day = await gateway.get("/function/ai/usage?from=9999-12-30&to=9999-12-31", headers=seller)
    anonymous = await gateway.get("/function/ai/config")
    assert [r.status_code for r in (broken, not_object, bad_group, bad_date, reversed_range, last_day)] == [400] * 6
    assert "from" in reversed_range.text and "2099" in last_day.text and anonymous.status_code == 401


async def test_members_read_but_only_admins_change(gateway):
    owner, _ = await sign_up(gateway, "Sklep Role")
    member = await join_as_member(gateway, owner)
    assert (await gateway.get("/function/ai/config", headers=member)).status_code == 200
    assert (await gateway.get("/function/ai/usage", headers=member)).status_code == 200
    refused = await gateway.patch("/function/ai/config", headers=member, json={"temperature": 0.9})
    assert refused.status_code == 403 and "admin" in refused.json()["detail"]


async def test_usage_report_and_budget_show_recorded_calls(gateway):
    seller, tenant = await sign_up(gateway, "Sklep Raport")
    conversation = await make_conversation(tenant)
    await record_llm_call(tenant, model="smollm2-135m-instruct", prompt_tokens=850, completion_tokens=150,
                          latency_ms=1200, conversation_id=conversation)
    await record_llm_call(tenant, model="gpt-4o-mini", prompt_tokens=1000, completion_tokens=100, latency_ms=800)
    # The report's days are Warsaw days: between 23:00 and 24:00 UTC the UTC date is already yesterday.
    today = datetime.now(timezone.utc).astimezone(ZoneInfo("Europe/Warsaw")).date().isoformat()

    by_model = (await gateway.get(f"/function/ai/usage?groupBy=model&to={today}", headers=seller)).json()
    assert by_model["totals"]["requests"] == 2 and by_model["totals"]["tokens"] == 2100
    assert {r["key"] for r in by_model["rows"]} == {"smollm2-135m-instruct", "gpt-4o-mini"}
    by_conversation = (await gateway.get("/function/ai/usage?groupBy=conversation", headers=seller)).json()
    assert {r["key"] for r in by_conversation["rows"]} == {str(conversation), None}
    budget = (await gateway.get("/function/ai/budget", headers=seller)).json()
    assert budget["spentPln"] == pytest.approx(by_model["totals"]["costPln"]) and budget["spentPln"] > 0
    assert budget["budgetPln"] == 0.45 and budget["exhausted"] is False


async def test_a_token_never_sees_another_sellers_config_or_usage(gateway):
    seller_a, tenant_a = await sign_up(gateway, "Sklep A")
    seller_b, _ = await sign_up(gateway, "Sklep B")
    await gateway.patch("/function/ai/config", headers=seller_a,
                        json={"customInstructions": "Tajne instrukcje sklepu A", "temperature": 0.9})
    await record_llm_call(tenant_a, model="gpt-4o-mini", prompt_tokens=5000, completion_tokens=500, latency_ms=10,
                          conversation_id=await make_conversation(tenant_a))

    config_b = (await gateway.get("/function/ai/config", headers=seller_b)).json()
    assert config_b["customInstructions"] is None and config_b["temperature"] == 0.3
    for group in ("day", "model", "conversation"):
        report_b = (await gateway.get(f"/function/ai/usage?groupBy={group}", headers=seller_b)).json()
        assert report_b["rows"] == [] and report_b["totals"]["requests"] == 0
    assert (await gateway.get("/function/ai/budget", headers=seller_b)).json()["spentPln"] == 0
    # B's change never reaches A.
    await gateway.patch("/function/ai/config", headers=seller_b, json={"temperature": 0.1})
    assert (await gateway.get("/function/ai/config", headers=seller_a)).json()["temperature"] == 0.9
    assert (await gateway.get("/function/ai/usage", headers=seller_a)).json()["totals"]["requests"] == 1


async def test_openapi_documents_the_endpoints(gateway):
    schema = (await gateway.get("/function/ai/schema/openapi.json")).json()
    assert {"/config", "/usage", "/budget"} <= schema["paths"].keys()
    assert "patch" in schema["paths"]["/config"]
