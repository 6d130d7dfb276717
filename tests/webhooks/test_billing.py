"""The payment system's signed webhook and the operator command set a seller's plan and status — once, in order."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from shared.http.signatures import sign
from shared.tenancy.db import tenant_tx, tx_connection

ROOT = Path(__file__).resolve().parents[2]
SECRET = "billing-secret-for-tests"
pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def billing_secret(monkeypatch):
    monkeypatch.setenv("BILLING_WEBHOOK_SECRET", SECRET)


async def subscription(tenant_id) -> tuple[str, str]:
    async with tenant_tx(tenant_id):
        row = await tx_connection().fetchrow(
            "SELECT subscription_plan, subscription_status FROM tenants WHERE id = $1", tenant_id)
    return row["subscription_plan"], row["subscription_status"]


def event(tenant_id, *, status: str, plan: str = "pro", event_id: str | None = None, minutes_ago: int = 0) -> dict:
    return {"id": event_id or f"evt_{uuid.uuid4().hex[:12]}", "type": "subscription.updated",
            "occurredAt": (datetime.now(timezone.utc) - timedelta(minutes=minutes_ago)).isoformat(),
            "tenantId": str(tenant_id), "plan": plan, "status": status}


async def deliver(webhooks, body: dict | bytes, *, secret: str = SECRET, timestamp: int | None = None,
                  signed: bool = True):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    headers = {"Content-Type": "application/json"}
    if signed:
        headers |= {"X-BokAI-Timestamp": str(timestamp), "X-BokAI-Signature": sign(secret, timestamp, raw)}
    return await webhooks.post("/billing", content=raw, headers=headers)


async def test_a_signed_event_sets_plan_and_status_and_its_redelivery_changes_nothing(webhooks, seller):
    assert await subscription(seller.tenant_id) == ("basic", "active")
    first = event(seller.tenant_id, status="past_due", plan="pro")
    applied = await deliver(webhooks, first)
    assert (applied.status_code, applied.json()) == (202, {"applied": True, "duplicate": False, "stale": False})
    assert await subscription(seller.tenant_id) == ("pro", "past_due")
    # The same event id again, freshly signed and even with other contents: nothing changes.
    again = await deliver(webhooks, {**first, "status": "active", "plan": "basic"})
    assert again.status_code == 202 and again.json()["duplicate"] is True and again.json()["applied"] is False
    assert await subscription(seller.tenant_id) == ("pro", "past_due")


async def test_an_older_event_arriving_late_does_not_undo_a_newer_one(webhooks, seller):
    assert (await deliver(webhooks, event(seller.tenant_id, status="canceled", minutes_ago=1))).json()["applied"]
    late = await deliver(webhooks, event(seller.tenant_id, status="active", minutes_ago=30))
    assert late.json() == {"applied": False, "duplicate": False, "stale": True}
    assert await subscription(seller.tenant_id) == ("pro", "canceled")


@pytest.mark.parametrize("how", ["unsigned", "wrong secret", "stale timestamp", "body changed after signing"])
async def test_unsigned_or_forged_events_are_refused_and_change_nothing(webhooks, seller, how):
    body = event(seller.tenant_id, status="canceled", plan="free")
    if how == "unsigned":
        response = await deliver(webhooks, body, signed=False)
    elif how == "wrong secret":
        response = await deliver(webhooks, body, secret="guessed")
    elif how == "stale timestamp":
        response = await deliver(webhooks, body, timestamp=int(time.time()) - 3600)
    else:
        raw = json.dumps(body).encode()
        timestamp = int(time.time())
        response = await webhooks.post("/billing", content=raw.replace(b"canceled", b"active  "), headers={
            "X-BokAI-Timestamp": str(timestamp), "X-BokAI-Signature": sign(SECRET, timestamp, raw)})
    assert response.status_code == 401 and "detail" in response.json()
    assert await subscription(seller.tenant_id) == ("basic", "active")


@pytest.mark.parametrize("body, fragment", [
    (b"not json", "JSON"),
    (json.dumps({"id": "evt_1", "occurredAt": "2026-11-26T02:00:00Z", "tenantId": "x", "plan": "pro",
                 "status": "active"}).encode(), "tenantId"),
    (json.dumps({"id": "evt_1", "occurredAt": "2026-11-26T02:00:00Z", "tenantId": str(uuid.uuid4()),
                 "plan": "pro", "status": "gold"}).encode(), "status"),
])
async def test_malformed_events_are_a_400_naming_the_problem(webhooks, body, fragment):
    response = await deliver(webhooks, body)
    assert response.status_code == 400 and fragment in response.json()["detail"], response.text


async def test_unknown_tenant_is_a_404_and_no_secret_configured_is_a_503(webhooks, monkeypatch):
    assert (await deliver(webhooks, event(uuid.uuid4(), status="active"))).status_code == 404
    monkeypatch.setenv("BILLING_WEBHOOK_SECRET", "")
    assert (await deliver(webhooks, event(uuid.uuid4(), status="active"))).status_code == 503


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "shared.billing.cli", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ))


async def test_operator_command_sets_the_subscription_and_a_late_webhook_event_does_not_undo_it(webhooks, seller):
    result = run_cli("set", "--tenant", str(seller.tenant_id), "--plan", "enterprise", "--status", "trialing")
    assert result.returncode == 0 and "applied" in result.stdout, result.stderr
    assert await subscription(seller.tenant_id) == ("enterprise", "trialing")
    late = await deliver(webhooks, event(seller.tenant_id, status="canceled", minutes_ago=5))
    assert late.json()["stale"] is True
    assert await subscription(seller.tenant_id) == ("enterprise", "trialing")

    unknown = run_cli("set", "--tenant", str(uuid.uuid4()), "--plan", "pro", "--status", "active")
    bad_status = run_cli("set", "--tenant", str(seller.tenant_id), "--plan", "pro", "--status", "gold")
    bad_plan = run_cli("set", "--tenant", str(seller.tenant_id), "--plan", "Pro Plan!", "--status", "active")
    assert unknown.returncode == 1 and "no tenant" in unknown.stderr
    assert bad_status.returncode == 2 and "invalid choice" in bad_status.stderr
    assert bad_plan.returncode == 1 and "plan" in bad_plan.stderr
    assert await subscription(seller.tenant_id) == ("enterprise", "trialing")
