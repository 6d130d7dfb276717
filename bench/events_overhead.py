"""What event webhooks add to the reply path: an AI draft (reply.drafted staged in its transaction and
published after it) for a seller with endpoints, against the same call for a seller without any.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.events_overhead [--replies 200 --endpoints 3]

Both sellers get ``--replies`` customer messages first (not timed); then each round times one
``create_ai_reply`` (a draft) per seller, interleaved so drift hits both alike. The subscribed seller's
endpoints take every event type, so each draft stages and enqueues one delivery per endpoint; nothing
consumes them: the jobs go to a broker namespace of this run, deleted at the end with both sellers.
Prints p50/p99 per seller and the ratio of the p50s (same run, same machine).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
import uuid
from datetime import datetime, timezone

NAMESPACE = f"bokai-bench-events-{uuid.uuid4().hex[:8]}"
# Before shared.broker is imported (by the outbox publish): the bench's jobs stay in its own namespace.
os.environ["REDIS_BROKER_NAMESPACE"] = NAMESPACE

from bench._common import create_bench_tenant, ms, percentile, require_stack_env, run_bounded  # noqa: E402
from shared.accounts.tables import Tenant  # noqa: E402
from shared.channels.inbound import InboundMessage, record_inbound_message  # noqa: E402
from shared.conversations.replies import create_ai_reply  # noqa: E402
from shared.events.schemas import EVENT_TYPES, EndpointCreate  # noqa: E402
from shared.events.service import create_endpoint  # noqa: E402
from shared.infra.postgres import close_pool, open_pool  # noqa: E402
from shared.tenancy.db import tenant_tx  # noqa: E402


async def _questions(tenant_id, count: int) -> list:
    ids = []
    for n in range(count):
        recorded = await record_inbound_message(tenant_id, InboundMessage(
            platform="generic", conversation_ref=f"bench-{n}", message_ref=f"q-{n}", text="Czy jest w rozmiarze 42?",
            sent_at=datetime.now(timezone.utc), channel_account_id=None, customer_name="Bench"))
        ids.append(recorded.message_id)
    return ids


async def _timed(tenant_id, message_id) -> float:
    started = time.perf_counter()
    await create_ai_reply(tenant_id, message_id, "Tak, mamy rozmiar 42.")
    return time.perf_counter() - started


def _line(name: str, samples: list[float]) -> str:
    return (f"  {name:<11} p50 {ms(percentile(samples, 50)):>9}  p99 {ms(percentile(samples, 99)):>9}  "
            f"mean {ms(statistics.fmean(samples)):>9}")


async def main_async(args: argparse.Namespace) -> int:
    require_stack_env()
    # Bench endpoints never receive anything, but their URLs must pass the production check.
    os.environ.setdefault("EVENTS_WEBHOOK_ALLOW_PRIVATE_URLS", "false")
    await open_pool()
    quiet, subscribed = await create_bench_tenant("events-quiet"), await create_bench_tenant("events-subscribed")
    try:
        for n in range(args.endpoints):
            await create_endpoint(subscribed, EndpointCreate(url=f"https://hooks.bench.invalid/{n}",
                                                             event_types=list(EVENT_TYPES)))
        questions = {quiet: await _questions(quiet, args.replies),
                     subscribed: await _questions(subscribed, args.replies)}
        timings: dict = {quiet: [], subscribed: []}
        for n in range(args.replies):
            order = (quiet, subscribed) if n % 2 == 0 else (subscribed, quiet)
            for tenant_id in order:
                timings[tenant_id].append(await _timed(tenant_id, questions[tenant_id][n]))
        print(f"{args.replies} AI drafts per seller; the subscribed seller has {args.endpoints} endpoints "
              "taking every event type")
        print(_line("no webhooks", timings[quiet]))
        print(_line("webhooks", timings[subscribed]))
        ratio = percentile(timings[subscribed], 50) / percentile(timings[quiet], 50)
        print(f"  ratio p50 webhooks / none: ×{ratio:.2f} "
              f"(+{ms(percentile(timings[subscribed], 50) - percentile(timings[quiet], 50))} per draft)")
        return 0
    finally:
        for tenant_id in (quiet, subscribed):
            async with tenant_tx(tenant_id):
                await Tenant.delete().where(Tenant.id == tenant_id)
        from shared.broker import broker

        for key in broker.client.scan_iter(f"{NAMESPACE}*"):
            broker.client.delete(key)
        await close_pool()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replies", type=int, default=200)
    parser.add_argument("--endpoints", type=int, default=3)
    parser.add_argument("--max-minutes", type=float, default=5)
    args = parser.parse_args()
    return run_bounded(lambda: main_async(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
