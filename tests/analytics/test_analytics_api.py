"""GET /function/ai/analytics through the gateway on a generated month, checked against hand counts.

The month (March 2026, Warsaw) of seller A, conversation by conversation — the expected numbers in
the tests below are counted from this list by hand:

  c1  allegro resolved   customer 10:00, AI reply sent by autopilot after 30 s          cost 0.01
  c2  allegro resolved   AI draft approved unchanged, delivered after 600 s             cost 0.02
  c3  olx     resolved   AI draft edited, then approved, delivered after 1200 s         cost 0.03
  c4  allegro resolved   AI draft discarded, a person's reply delivered after 2400 s    cost 0.04
  c5  allegro waiting no_grounding "Czy wysyłacie do Niemiec?"                          cost 0.005
  c6  allegro waiting no_grounding "czy wysylacie do niemiec"    (same topic, newer)
  c7  olx     waiting no_grounding "Jaki jest rozmiar pudełka?"
  c8  allegro waiting complaint, the AI's draft still pending
  c9  allegro open, handoff_reason angry kept, a person answered after 300 s
  c10 allegro resolved with no reply (a customer's thank-you)
  c11 allegro resolved   AI reply after 60 s by autopilot, then a person's follow-up    cost 0.06

Outside the month: c12 started 2026-02-28 23:30 Warsaw (22:30 UTC), no_grounding, cost 1.00.
Seller B has its own conversations in the same month (same question text, a resolved one, cost 5.00):
none of them may show up in A's numbers.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from functions.ai.handler import app as ai_app
from functions.auth.handler import app as auth_app
from shared.gateway.dispatcher import FunctionGateway
from tests.analytics.dataset import APPROVED, EDITED, Dataset
from tests.support import serve

PASSWORD = "Zielona-Herbata-42"
MARCH = {"from": "2026-03-01", "to": "2026-03-31"}
pytestmark = pytest.mark.integration


def at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


def seconds(value: int) -> timedelta:
    return timedelta(seconds=value)


@pytest.fixture(scope="module")
async def world():
    async with serve(FunctionGateway({"auth": auth_app, "ai": ai_app}), timeout=60) as gateway:
        seller_a, tenant_a = await sign_up(gateway, "Analityka A")
        seller_b, tenant_b = await sign_up(gateway, "Analityka B")
        await seed_seller_a(tenant_a)
        await seed_seller_b(tenant_b)
        yield gateway, seller_a, seller_b


async def sign_up(gateway, company: str) -> tuple[dict[str, str], uuid.UUID]:
    response = await gateway.post("/function/auth/register", json={
        "email": f"an-{uuid.uuid4().hex[:10]}@example.pl", "password": PASSWORD, "companyName": company})
    assert response.status_code == 201, response.text
    body = response.json()
    return {"Authorization": f"Bearer {body['accessToken']}"}, uuid.UUID(body["tenant"]["id"])


async def seed_seller_a(tenant_id: uuid.UUID) -> None:
    data = Dataset(tenant_id)
    c1 = data.conversation(at(2, 10), status="resolved")
    data.reply(c1, data.customer(c1, at(2, 10)), at(2, 10), delivered_at=at(2, 10) + seconds(30))
    data.cost(c1, "0.01", at(2, 10))

    c2 = data.conversation(at(3, 11), status="resolved")
    data.reply(c2, data.customer(c2, at(3, 11)), at(3, 11), delivered_at=at(3, 11, 10), meta=APPROVED)
    data.cost(c2, "0.02", at(3, 11))

    c3 = data.conversation(at(4, 12), platform="olx", status="resolved")
    data.reply(c3, data.customer(c3, at(4, 12)), at(4, 12), delivered_at=at(4, 12, 20), meta=EDITED)
    data.cost(c3, "0.03", at(4, 12))

    c4 = data.conversation(at(5, 9), status="resolved")
    question = data.customer(c4, at(5, 9))
    data.reply(c4, question, at(5, 9), status="discarded", meta={"replacedByManualReply": True})
    data.reply(c4, question, at(5, 9, 39), sender="agent", delivered_at=at(5, 9, 40), meta=APPROVED)
    data.cost(c4, "0.04", at(5, 9))

    c5 = data.conversation(at(6, 8), handoff_reason="no_grounding", status="waiting_for_human")
    data.customer(c5, at(6, 8), "Dzień dobry")
    data.customer(c5, at(6, 8, 1), "Czy wysyłacie do Niemiec?")
    data.cost(c5, "0.005", at(6, 8))
    c6 = data.conversation(at(7, 8), handoff_reason="no_grounding", status="waiting_for_human")
    data.customer(c6, at(7, 8), "czy wysylacie do niemiec")
    c7 = data.conversation(at(8, 8), platform="olx", handoff_reason="no_grounding", status="waiting_for_human")
    data.customer(c7, at(8, 8), "Jaki jest rozmiar pudełka?")

    c8 = data.conversation(at(9, 8), handoff_reason="complaint", status="waiting_for_human")
    data.reply(c8, data.customer(c8, at(9, 8), "Towar przyszedł uszkodzony"), at(9, 8), status="draft")

    c9 = data.conversation(at(10, 8), handoff_reason="angry")
    data.reply(c9, data.customer(c9, at(10, 8)), at(10, 8, 4), sender="agent", delivered_at=at(10, 8, 5),
               meta=APPROVED)

    c10 = data.conversation(at(11, 8), status="resolved")
    data.customer(c10, at(11, 8), "Dziękuję!")

    c11 = data.conversation(at(12, 8), status="resolved")
    data.reply(c11, data.customer(c11, at(12, 8)), at(12, 8), delivered_at=at(12, 8) + seconds(60))
    data.reply(c11, None, at(12, 9), sender="agent", meta=APPROVED)
    data.cost(c11, "0.06", at(12, 8))

    c12 = data.conversation(at(28, 22, 30, month=2), handoff_reason="no_grounding", status="waiting_for_human")
    data.customer(c12, at(28, 22, 30, month=2), "Czy macie sklep stacjonarny?")
    data.cost(c12, "1.00", at(28, 22, 30, month=2))
    await data.write()


async def seed_seller_b(tenant_id: uuid.UUID) -> None:
    data = Dataset(tenant_id)
    b1 = data.conversation(at(2, 10), status="resolved")
    data.reply(b1, data.customer(b1, at(2, 10)), at(2, 10), delivered_at=at(2, 10) + seconds(5))
    data.cost(b1, "5.00", at(2, 10))
    b2 = data.conversation(at(3, 10), handoff_reason="no_grounding", status="waiting_for_human")
    data.customer(b2, at(3, 10), "Czy wysyłacie do Niemiec?")
    await data.write()


async def analytics(gateway, seller, **query):
    response = await gateway.get("/function/ai/analytics", headers=seller, params=query)
    assert response.status_code == 200, response.text
    return response.json()


async def test_month_matches_the_hand_counts(world):
    gateway, seller_a, _ = world
    body = await analytics(gateway, seller_a, **MARCH)
    assert (body["from"], body["to"], body["channel"], body["conversations"]) == ("2026-03-01", "2026-03-31", None, 11)
    # AI first replies 30, 60, 600, 1200 s; a person's 300, 2400 s (percentile_cont, linear interpolation).
    assert body["firstResponse"] == {
        "all": {"conversations": 6, "p50Seconds": 450.0, "p90Seconds": 1800.0},
        "ai": {"conversations": 4, "p50Seconds": 330.0, "p90Seconds": 1020.0},
        "person": {"conversations": 2, "p50Seconds": 1350.0, "p90Seconds": 2190.0},
    }
    # Resolved c1 c2 c3 c4 c10 c11; only AI replies in c1 c2 c3; without a person only c1.
    assert body["automation"] == {"resolved": 6, "aiOnly": 3, "autonomous": 1, "rate": 0.5}
    assert body["handoffs"] == [{"reason": "no_grounding", "conversations": 3},
                                {"reason": "angry", "conversations": 1},
                                {"reason": "complaint", "conversations": 1}]
    assert body["drafts"] == {"approvedUnchanged": 1, "approvedEdited": 1, "discarded": 1, "pending": 1,
                              "sentByAutopilot": 2}
    # Resolved: 0.01 + 0.02 + 0.03 + 0.04 + 0.06 = 0.16 over 6; all: + 0.005 of c5.
    assert body["cost"] == {"totalPln": 0.165, "resolvedPln": 0.16, "perResolvedPln": 0.026667}
    assert body["unansweredTopics"] == {
        "grouping": "normalised text", "questions": 3,
        "topics": [{"text": "czy wysylacie do niemiec", "count": 2}, {"text": "Jaki jest rozmiar pudełka?", "count": 1}],
    }


async def test_one_channel(world):
    gateway, seller_a, _ = world
    body = await analytics(gateway, seller_a, channel="olx", **MARCH)
    assert (body["channel"], body["conversations"]) == ("olx", 2)  # c3, c7
    assert body["firstResponse"]["ai"] == {"conversations": 1, "p50Seconds": 1200.0, "p90Seconds": 1200.0}
    assert body["firstResponse"]["person"] == {"conversations": 0, "p50Seconds": None, "p90Seconds": None}
    assert body["automation"] == {"resolved": 1, "aiOnly": 1, "autonomous": 0, "rate": 1.0}
    assert body["handoffs"] == [{"reason": "no_grounding", "conversations": 1}]
    assert body["cost"] == {"totalPln": 0.03, "resolvedPln": 0.03, "perResolvedPln": 0.03}
    assert [t["text"] for t in body["unansweredTopics"]["topics"]] == ["Jaki jest rozmiar pudełka?"]


async def test_a_channel_without_conversations_is_empty(world):
    gateway, seller_a, _ = world
    body = await analytics(gateway, seller_a, channel="emag", **MARCH)
    assert body["conversations"] == 0
    assert body["automation"] == {"resolved": 0, "aiOnly": 0, "autonomous": 0, "rate": None}
    assert body["cost"]["perResolvedPln"] is None and body["handoffs"] == []


async def test_range_ends_are_warsaw_days(world):
    gateway, seller_a, _ = world
    # c12 started at 22:30 UTC on 28 February, which is 23:30 in Warsaw: February, not March.
    february = await analytics(gateway, seller_a, **{"from": "2026-02-28", "to": "2026-02-28"})
    assert (february["conversations"], february["handoffs"]) == (1, [{"reason": "no_grounding", "conversations": 1}])
    assert february["cost"]["totalPln"] == 1.0
    first_week = await analytics(gateway, seller_a, **{"from": "2026-03-01", "to": "2026-03-07"})
    assert first_week["conversations"] == 6  # c1..c6


async def test_another_sellers_data_is_never_counted(world):
    gateway, _, seller_b = world
    body = await analytics(gateway, seller_b, **MARCH)
    assert body["conversations"] == 2
    assert body["firstResponse"]["all"] == {"conversations": 1, "p50Seconds": 5.0, "p90Seconds": 5.0}
    assert body["automation"] == {"resolved": 1, "aiOnly": 1, "autonomous": 1, "rate": 1.0}
    assert body["cost"] == {"totalPln": 5.0, "resolvedPln": 5.0, "perResolvedPln": 5.0}
    assert body["unansweredTopics"]["topics"] == [{"text": "Czy wysyłacie do Niemiec?", "count": 1}]


@pytest.mark.parametrize(("query", "field"), [
    ({"from": "2026-03-31", "to": "2026-03-01"}, "from"),
    ({"from": "2025-01-01", "to": "2026-03-01"}, "from"),
    ({"from": "2026-03-01", "to": "2026-03-31", "channel": "myspace"}, "channel"),
    ({"from": "2026-13-01"}, "from"),
    ({"to": "yesterday"}, "to"),
    ({"from": "9999-12-30", "to": "9999-12-31"}, "from"),
    ({"from": "1999-12-31", "to": "2000-01-02"}, "from"),
])
async def test_bad_ranges_and_channels_are_a_400_naming_the_field(world, query, field):
    gateway, seller_a, _ = world
    response = await gateway.get("/function/ai/analytics", headers=seller_a, params=query)
    assert response.status_code == 400, response.text
    body = response.json()
    assert body["detail"] and any(field in error["key"] for error in body["errors"]), body


async def test_sent_by_autopilot_counts_only_delivered_replies(world):
    # Autopilot replies whose delivery failed (refused by the platform, or "delivery uncertain" after a
    # crash) or that are still on their way (queued, sending) were not delivered: only the sent one counts.
    gateway, _, _ = world
    seller, tenant_id = await sign_up(gateway, "Analityka C")
    data = Dataset(tenant_id)
    for status in ("sent", "failed", "failed", "approved", "sending"):
        conversation = data.conversation(at(2, 10))
        data.reply(conversation, data.customer(conversation, at(2, 10)), at(2, 10, 1), status=status)
    await data.write()
    body = await analytics(gateway, seller, **MARCH)
    assert body["conversations"] == 5
    assert body["drafts"]["sentByAutopilot"] == 1
    assert body["firstResponse"]["ai"]["conversations"] == 1


async def test_a_year_is_allowed_and_anonymous_callers_are_refused(world):
    gateway, seller_a, _ = world
    year = await analytics(gateway, seller_a, **{"from": "2025-04-01", "to": "2026-03-31"})  # 365 days
    assert year["conversations"] == 12
    assert (await gateway.get("/function/ai/analytics", params=MARCH)).status_code == 401
