"""Signed-webhook ingest throughput and latency, against the raw limit measured in the same run.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.webhook_ingest [--messages 2000] [--concurrency 8] [--duplicates 200]

The webhooks function runs in this process under uvicorn on a free loopback port, with its normal
lifespan (auth and channels too, behind the in-process gateway, only to register a seller and create
a generic channel). ``--concurrency`` keep-alive httpx clients post ``--messages`` signed messages,
each with its own messageId. The raw limit is a loop of what storing an event needs at minimum: one
``INSERT … ON CONFLICT DO NOTHING`` into inbox_events committed through ``tenant_tx`` plus one
``shared.broker.enqueue``, with the same concurrency. Raw and webhook runs alternate (ABBA) so drift
of the machine hits both alike.

Accepted events are enqueued into a Redis broker namespace of this run that no worker consumes (set
below, before ``shared.broker`` builds its broker), so the stack's worker does not process thousands
of bench messages; the namespace, the bench's inbox rows and replay keys are removed afterwards.
The seller's tenant and channel stay.
"""

from __future__ import annotations

import os
import uuid

# Before anything imports shared.broker (its broker is built at import time).
BENCH_NAMESPACE = os.environ["REDIS_BROKER_NAMESPACE"] = f"bokai-bench-{uuid.uuid4().hex[:10]}"

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import random  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from uuid import UUID  # noqa: E402

import httpx  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bench._common import database_label, ms, percentile, require_stack_env, run_bounded  # noqa: E402
from shared.broker import broker, enqueue  # noqa: E402
from shared.gateway.dispatcher import FunctionGateway  # noqa: E402
from shared.gateway.discovery import load_functions  # noqa: E402
from shared.inbox.events import PROCESS_ACTOR, insert_event  # noqa: E402
from shared.inbox.schemas import GenericCustomer, GenericMessage  # noqa: E402
from shared.http.signatures import sign  # noqa: E402
from shared.inbox.tables import InboxEvent  # noqa: E402
from shared.infra.postgres import close_pool, open_pool  # noqa: E402
from shared.infra.redis import close_redis, open_redis, redis_client  # noqa: E402
from shared.tenancy.db import tenant_tx  # noqa: E402
from shared.tenancy.keys import TenantKeys  # noqa: E402
from tests.support import serve  # noqa: E402

RAW_QUEUE = "bench"
RAW_ACTOR = "bench.noop"
TEXTS = [
    "Dzień dobry, kiedy wyślecie moje zamówienie? Płaciłem wczoraj przelewem.",
    "Czy mogę zwrócić czajnik, jeśli pudełko zostało otwarte?",
    "Paczka przyszła uszkodzona, co mam zrobić? Załączam zdjęcia.",
    "Poproszę fakturę na firmę, NIP podam w następnej wiadomości.",
    "Czy ten model jest dostępny w kolorze czarnym i ile trzeba czekać?",
    "Chcę zmienić adres dostawy, zamówienie nie zostało chyba jeszcze wysłane.",
]


def _message(i: int, run: str, rng: random.Random) -> GenericMessage:
    return GenericMessage(
        message_id=f"bench-{run}-{i}", conversation_id=f"bench-{run}-conv-{i // 4}",
        text=f"{rng.choice(TEXTS)} (nr {i})", sent_at=datetime.now(timezone.utc),
        customer=GenericCustomer(name=f"Klient {i % 97}"))


def _body(message: GenericMessage) -> bytes:
    return json.dumps({"messageId": message.message_id, "conversationId": message.conversation_id,
                       "text": message.text, "sentAt": message.sent_at.isoformat(),
                       "customer": {"name": message.customer.name}}).encode()


async def drive(count: int, concurrency: int, one: Callable[[int], Awaitable[None]], desc: str
                ) -> tuple[list[float], float]:
    """Run ``one(0..count-1)`` with ``concurrency`` workers; per-call latencies and the wall time."""
    indexes = iter(range(count))
    latencies: list[float] = []
    with tqdm(total=count, desc=desc, unit="msg", leave=False) as bar:
        async def worker() -> None:
            for i in indexes:  # one iterator shared by every worker: each index is taken once
                start = time.perf_counter()
                await one(i)
                latencies.append(time.perf_counter() - start)
                bar.update()

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return latencies, time.perf_counter() - start


async def setup_seller(gateway: httpx.AsyncClient) -> tuple[UUID, str, str]:
    registered = await gateway.post("/function/auth/register", json={
        "email": f"bench-webhooks-{uuid.uuid4().hex[:8]}@sklep.pl", "password": "Zielona-Herbata-42",
        "companyName": "Bench Webhooks"})
    if registered.status_code != 201:
        raise SystemExit(f"register failed: {registered.status_code} {registered.text}")
    seller = {"Authorization": f"Bearer {registered.json()['accessToken']}"}
    channel = await gateway.post("/function/channels/generic", headers=seller,
                                 json={"name": "Bench sklep", "callbackUrl": "https://sklep.example.pl/bokai"})
    if channel.status_code != 201:
        raise SystemExit(f"creating the generic channel failed: {channel.status_code} {channel.text}")
    return (UUID(registered.json()["tenant"]["id"]), channel.json()["account"]["id"],
            channel.json()["webhookSecret"])


async def count_rows(tenant_id: UUID, source: str) -> int:
    async with tenant_tx(tenant_id):
        return await InboxEvent.count().where(InboxEvent.source == source)


async def queued(queue_name: str) -> int:
    """Messages waiting in the bench namespace's queue (dramatiq keeps their ids in this list)."""
    return int(await redis_client().llen(f"{BENCH_NAMESPACE}:{queue_name}"))


async def cleanup(tenant_id: UUID, account_id: str, sources: list[str]) -> str:
    async with tenant_tx(tenant_id):
        rows = await InboxEvent.delete().where(InboxEvent.source.is_in(sources)).returning(InboxEvent.id)
    keys = TenantKeys(redis_client(), tenant_id)
    replay_keys = await keys.names(f"webhook-signature:{account_id}:*")
    if replay_keys:
        await keys.delete(*replay_keys)
    namespace_keys = [k async for k in redis_client().scan_iter(match=f"{BENCH_NAMESPACE}*", count=500)]
    if namespace_keys:
        await redis_client().delete(*namespace_keys)
    return (f"removed {len(rows)} inbox rows, {len(replay_keys)} replay keys, "
            f"{len(namespace_keys)} keys of broker namespace {BENCH_NAMESPACE}")


async def measure(args: argparse.Namespace, webhooks: httpx.AsyncClient, tenant_id: UUID, account_id: str,
                  secret: str) -> dict:
    run = uuid.uuid4().hex[:10]
    rng = random.Random(7)
    total = args.warmup + args.messages
    webhook_messages = [_message(i, run, rng) for i in range(total)]
    bodies = [_body(m) for m in webhook_messages]
    raw_messages = [_message(i, run, rng) for i in range(total)]
    raw_source, webhook_source = f"bench-raw:{run}", f"generic:{account_id}"
    path = f"/channels/{tenant_id}/{account_id}/messages"
    statuses: Counter[str] = Counter()
    signed_at: dict[int, int] = {}

    async def post(i: int, *, duplicate: bool = False) -> None:
        timestamp = int(time.time())
        if duplicate and signed_at.get(i) == timestamp:
            timestamp += 1  # a redelivery is signed afresh; the same signature would be a 409 replay
        signed_at[i] = timestamp
        response = await webhooks.post(path, content=bodies[i], headers={
            "content-type": "application/json", "X-BokAI-Timestamp": str(timestamp),
            "X-BokAI-Signature": sign(secret, timestamp, bodies[i])})
        kind = "duplicate" if duplicate else "new"
        if response.status_code == 202:
            statuses[f"{kind} 202 duplicate={str(response.json().get('duplicate')).lower()}"] += 1
        else:
            statuses[f"{kind} {response.status_code}"] += 1

    async def raw(i: int) -> None:
        async with tenant_tx(tenant_id):
            event_id = await insert_event(tenant_id, raw_source, raw_messages[i].message_id, "message.created",
                                          raw_messages[i])
        enqueue(RAW_QUEUE, RAW_ACTOR, str(tenant_id), str(event_id))

    results: dict = {"sources": [raw_source, webhook_source], "raw": ([], 0.0), "webhook": ([], 0.0)}
    try:
        # Warm-up (not measured): connections, pools, first-request paths.
        await drive(args.warmup, args.concurrency, raw, "warm-up raw")
        await drive(args.warmup, args.concurrency, post, "warm-up webhook")
        half = args.messages // 2
        segments = [("raw", args.warmup, half), ("webhook", args.warmup, half),
                    ("webhook", args.warmup + half, args.messages - half), ("raw", args.warmup + half,
                                                                               args.messages - half)]
        for n, (kind, offset, count) in enumerate(segments, 1):
            one = raw if kind == "raw" else post
            latencies, wall = await drive(count, args.concurrency, lambda i, one=one, offset=offset: one(offset + i),
                                          f"{n}/4 {kind}")
            samples, seconds = results[kind]
            results[kind] = (samples + latencies, seconds + wall)
        stored_before = await count_rows(tenant_id, webhook_source)
        jobs_before = await queued(PROCESS_ACTOR[0])
        picks = rng.sample(range(total), min(args.duplicates, total))
        results["duplicates"] = await drive(len(picks), args.concurrency,
                                            lambda i: post(picks[i], duplicate=True), "duplicates")
        results["stored"] = (stored_before, await count_rows(tenant_id, webhook_source))
        results["jobs"] = (jobs_before, await queued(PROCESS_ACTOR[0]))
        results["raw_rows"] = await count_rows(tenant_id, raw_source)
        results["raw_jobs"] = await queued(RAW_QUEUE)
        results["picks"] = len(picks)
        results["statuses"] = statuses
    finally:
        results["cleanup"] = await cleanup(tenant_id, account_id, results["sources"])
    return results


def _line(label: str, samples: list[float], seconds: float) -> str:
    return (f"  {label:<44}{len(samples) / seconds:>10.0f}{ms(percentile(samples, 50)):>11}"
            f"{ms(percentile(samples, 99)):>11}{ms(max(samples)):>11}")


async def run(args: argparse.Namespace) -> int:
    require_stack_env()
    logging.getLogger("httpx").setLevel(logging.WARNING)  # the load generator's per-request INFO lines
    if broker.namespace != BENCH_NAMESPACE:
        raise SystemExit("shared.broker was imported before the bench namespace was set")
    await open_pool()
    await open_redis()
    try:
        limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
        async with serve(FunctionGateway(load_functions(["auth", "channels"])), timeout=60) as gateway, \
                serve(load_functions(["webhooks"])["webhooks"], timeout=60, limits=limits) as webhooks:
            tenant_id, account_id, secret = await setup_seller(gateway)
            results = await measure(args, webhooks, tenant_id, account_id, secret)
    finally:
        await close_redis()
        await close_pool()

    raw, raw_seconds = results["raw"]
    hook, hook_seconds = results["webhook"]
    dup, dup_seconds = results["duplicates"]
    print()
    print(f"webhook_ingest — generic signed webhook, database {database_label()}, "
          f"Redis broker namespace {BENCH_NAMESPACE} (no worker)")
    print(f"  seller tenant {tenant_id}, generic channel {account_id} (kept)")
    print(f"  {args.messages} messages per mode after {args.warmup} warm-up, {args.concurrency} concurrent "
          f"clients (webhook: httpx keep-alive → uvicorn in this process); order raw, webhook, webhook, raw")
    print()
    print(f"  {'':<44}{'msg/s':>10}{'p50':>11}{'p99':>11}{'max':>11}")
    print(_line("raw: tenant_tx INSERT+COMMIT, enqueue", raw, raw_seconds))
    print(_line("webhook: POST …/messages → 202", hook, hook_seconds))
    if dup:
        print(_line(f"duplicates: {results['picks']} redeliveries → 202", dup, dup_seconds))
    print()
    throughput = (len(hook) / hook_seconds) / (len(raw) / raw_seconds)
    print(f"  webhook / raw throughput  {throughput:5.2f}×")
    print(f"  webhook / raw p50         {percentile(hook, 50) / percentile(raw, 50):5.2f}×")
    print(f"  webhook / raw p99         {percentile(hook, 99) / percentile(raw, 99):5.2f}×")
    print()
    before, after = results["stored"]
    jobs_before, jobs_after = results["jobs"]
    print(f"  responses: {dict(sorted(results['statuses'].items()))}")
    print(f"  inbox rows of the channel: {before} before the redeliveries, {after} after "
          f"({after - before} new); inbox jobs queued {jobs_before} → {jobs_after} ({jobs_after - jobs_before} new)")
    print(f"  raw loop: {results['raw_rows']} rows, {results['raw_jobs']} jobs in queue {RAW_QUEUE!r}")
    print(f"  cleanup: {results['cleanup']}")
    expected = args.warmup + args.messages
    ok = (before == after == expected and jobs_before == jobs_after == expected
          and results["statuses"].get("duplicate 202 duplicate=true", 0) == results["picks"]
          and results["statuses"].get("new 202 duplicate=false", 0) == expected)
    print(f"  check: every message stored and enqueued once, every redelivery 202 without a row or job: "
          f"{'ok' if ok else 'FAILED'}")
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=2000, help="measured messages per mode")
    parser.add_argument("--concurrency", type=int, default=8, help="concurrent clients / raw loops")
    parser.add_argument("--duplicates", type=int, default=200, help="redeliveries of already sent messages")
    parser.add_argument("--warmup", type=int, default=50, help="unmeasured messages per mode first")
    parser.add_argument("--max-minutes", type=float, default=10.0, help="stop the whole bench after this")
    args = parser.parse_args(argv)
    if not (2 <= args.messages <= 100_000 and 1 <= args.concurrency <= 64 and 0 <= args.duplicates <= 10_000
            and 0 <= args.warmup <= 10_000):
        parser.error("out of range (messages 2..100000, concurrency 1..64, duplicates 0..10000, warmup 0..10000)")
    return run_bounded(lambda: run(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
