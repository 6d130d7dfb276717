"""A year of a busy seller through the analytics API query: does it answer in < 200 ms?

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.analytics_year [--days 366 --per-day 20 --other-sellers 9 --rounds 50]

Generates, with a fixed seed, ``--per-day`` messages a day (default 20: five conversations a day,
each two customer messages and two replies — 7,320 messages for the measured seller over 366 days)
in a realistic mix: autopilot answers, drafts approved as they were / edited / discarded for a
person's reply, hand-offs (no_grounding with 40 recurring questions, complaint, angry, after_hours)
and an AI usage row per AI reply. ``--other-sellers`` get the same year, so the tables hold other
tenants' rows as production does. Rows go in through ``tests.analytics.dataset`` (tenant_tx, RLS).

Then times, interleaved per round so drift hits both alike, for the whole range (366 Warsaw days,
the longest allowed):
- **analytics**: ``shared.analytics.queries.analytics`` — what ``GET /function/ai/analytics`` runs;
- **baseline**: ``shared.ai.report.usage_report`` grouped by day over the same range — the existing
  usage endpoint of the same function.
Prints p50/p99/mean, the ratio to the baseline and whether analytics p99 < 200 ms. The bench
sellers are deleted afterwards (``--keep`` keeps them).
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
from datetime import datetime, time as day_time, timedelta, timezone

from bench._common import create_bench_tenant, ms, percentile, require_stack_env, run_bounded
from shared.accounts.tables import Tenant
from shared.ai.config import WARSAW
from shared.ai.report import usage_report
from shared.analytics.queries import analytics
from shared.infra.postgres import close_pool, open_pool
from shared.tenancy.db import tenant_tx, tx_connection
from tests.analytics.dataset import APPROVED, EDITED, Dataset

TARGET_MS = 200
QUESTIONS = [f"Czy macie produkt numer {n} w kolorze zielonym?" for n in range(40)]
PLATFORMS = ("allegro", "allegro", "allegro", "olx", "amazon", "emag")


def _conversation(data: Dataset, rng: random.Random, started: datetime) -> int:
    """One conversation of two customer messages and two replies (4 messages); returns 4."""
    kind = rng.choices(["autopilot", "approved", "edited", "person", "no_grounding", "other"],
                       weights=[50, 12, 6, 12, 12, 8])[0]
    platform = rng.choice(PLATFORMS)
    resolved = kind != "no_grounding" and kind != "other" and rng.random() < 0.85
    reason = {"no_grounding": "no_grounding", "other": rng.choice(["complaint", "angry", "after_hours"])}.get(kind)
    conversation = data.conversation(started, platform=platform, handoff_reason=reason,
                                     status="resolved" if resolved else ("waiting_for_human" if reason else "open"))
    at = started
    for turn in range(2):
        text = rng.choice(QUESTIONS) if kind == "no_grounding" else "Ile kosztuje wysyłka do paczkomatu?"
        question = data.customer(conversation, at, text)
        wait = timedelta(seconds=rng.randint(5, 90) if kind == "autopilot" else rng.randint(120, 6 * 3600))
        if kind in ("autopilot", "approved", "edited"):
            meta = {"approved": APPROVED, "edited": EDITED}.get(kind)
            data.reply(conversation, question, at + wait, delivered_at=at + wait, meta=meta)
            data.cost(conversation, f"{rng.uniform(0.0005, 0.004):.6f}", at)
        elif kind == "person":
            data.reply(conversation, question, at, status="discarded", meta={"replacedByManualReply": True})
            data.reply(conversation, None, at + wait, sender="agent", delivered_at=at + wait, meta=APPROVED)
            data.cost(conversation, f"{rng.uniform(0.0005, 0.004):.6f}", at)
        else:  # handed off: the AI's draft waits, or a person follows up later
            data.reply(conversation, question if turn == 0 else None, at + wait,
                       sender="bot" if turn == 0 else "agent", status="draft" if turn == 0 else "sent",
                       meta=None if turn == 0 else APPROVED)
        at += wait + timedelta(minutes=rng.randint(1, 120))
    return 4


async def seed_year(label: str, first_day: datetime, days: int, per_day: int, seed: int):
    tenant_id = await create_bench_tenant(label)
    rng = random.Random(seed)
    data = Dataset(tenant_id)
    for day in range(days):
        midnight = first_day + timedelta(days=day)
        written = 0
        while written < per_day:
            written += _conversation(data, rng, midnight + timedelta(minutes=rng.randint(8 * 60, 20 * 60)))
    await data.write()
    async with tenant_tx(tenant_id):
        # What handing over writes since the handoff log exists (shared/conversations/handoff.py).
        await tx_connection().execute(
            """INSERT INTO handoff_log (id, tenant_id, conversation_id, reason, created_at)
               SELECT gen_random_uuid(), tenant_id, id, handoff_reason, created_at FROM conversations
                WHERE handoff_reason IS NOT NULL""")
    return tenant_id, len(data.messages), len(data.conversations)


async def _timed(call) -> float:
    started = time.perf_counter()
    await call()
    return time.perf_counter() - started


def _line(name: str, samples: list[float], baseline: list[float] | None = None) -> str:
    text = (f"  {name:<10} p50 {ms(percentile(samples, 50)):>9}  p99 {ms(percentile(samples, 99)):>9}  "
            f"mean {ms(statistics.fmean(samples)):>9}")
    if baseline:
        text += f"  ×{statistics.median(samples) / statistics.median(baseline):.2f} of baseline p50"
    return text


async def main_async(args: argparse.Namespace) -> int:
    require_stack_env()
    await open_pool()
    sellers = []
    try:
        today = datetime.now(timezone.utc).astimezone(WARSAW).date()
        date_from = today - timedelta(days=args.days - 1)
        first_day = datetime.combine(date_from, day_time.min, tzinfo=WARSAW)
        started = time.perf_counter()
        for n in range(args.other_sellers + 1):
            sellers.append(await seed_year("analytics", first_day, args.days, args.per_day, seed=n))
        tenant_id, messages, conversations = sellers[0]
        print(f"generated {len(sellers)} sellers × {args.days} days in {time.perf_counter() - started:.1f} s; "
              f"measured seller: {messages} messages in {conversations} conversations")

        async def run_analytics():
            return await analytics(tenant_id, date_from, today)

        async def run_baseline():
            return await usage_report(tenant_id, date_from, today, "day")

        for _ in range(args.warmup):
            await run_analytics()
            await run_baseline()
        timings: dict[str, list[float]] = {"analytics": [], "baseline": []}
        for round_no in range(args.rounds):
            order = [("analytics", run_analytics), ("baseline", run_baseline)]
            for name, call in order if round_no % 2 == 0 else reversed(order):
                timings[name].append(await _timed(call))
        result = await run_analytics()
        print(f"range {date_from} … {today} ({args.days} days), {args.rounds} rounds after {args.warmup} warm-up")
        print(f"  answer: {result.conversations} conversations, {result.automation.resolved} resolved, "
              f"automation {result.automation.rate}, first response p50 {result.first_response.all.p50_seconds} s, "
              f"{len(result.unanswered_topics.topics)} topics of {result.unanswered_topics.questions} questions")
        print(_line("baseline", timings["baseline"]) + "   (usage report by day, same range)")
        print(_line("analytics", timings["analytics"], timings["baseline"]))
        p99 = percentile(timings["analytics"], 99) * 1000
        print(f"target: analytics p99 {p99:.1f} ms {'<' if p99 < TARGET_MS else '>='} {TARGET_MS} ms "
              f"→ {'OK' if p99 < TARGET_MS else 'MISSED'}")
        return 0 if p99 < TARGET_MS else 1
    finally:
        if args.keep and sellers:
            print(f"kept: measured seller {sellers[0][0]}, {len(sellers) - 1} others")
        if not args.keep:
            for seller_id, _, _ in sellers:
                async with tenant_tx(seller_id):
                    await Tenant.delete().where(Tenant.id == seller_id)
        await close_pool()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=366)
    parser.add_argument("--per-day", type=int, default=20, help="messages a day per seller")
    parser.add_argument("--other-sellers", type=int, default=9)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--keep", action="store_true", help="keep the bench sellers (default: delete them)")
    parser.add_argument("--max-minutes", type=float, default=10)
    args = parser.parse_args()
    return run_bounded(lambda: main_async(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
