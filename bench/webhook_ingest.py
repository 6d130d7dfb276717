"""Signed-webhook ingest as deployed, against the raw limit and a trivial endpoint in the same command.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.webhook_ingest [--seconds 10] [--concurrency 16] [--rate 200] [--clients 2]

The webhooks function runs as production runs it: the real of-watchdog (Dockerfile.fn's environment,
``tests/deploy/watchdog.py``) forking its uvicorn app, on free loopback ports, with the stack's env
except a Redis broker namespace of this run that no worker consumes (its inbox jobs stay queued and
are counted, then removed). The load comes from ``--clients`` separate processes (keep-alive httpx),
never from the server's process:

- closed loop (throughput): ``--concurrency`` requests in flight in total, as fast as answered, for
  ``--seconds`` per segment; segments alternate raw, trivial, webhook, webhook, trivial, raw (ABBA),
  so drift of the machine hits all three alike;
- fixed rate (latency): ``--rate`` requests per second in total for ``--seconds``; a request's latency
  counts from the moment it was due, so a client or server falling behind shows (no coordinated omission).

Baselines in the same command: **raw** is the least that storing an event needs — one
``INSERT … ON CONFLICT DO NOTHING`` into inbox_events committed through ``tenant_tx`` and one
``shared.broker.enqueue`` — run in its own process with the same concurrency and no HTTP at all;
**trivial** is ``GET /_/live`` through the same watchdog and uvicorn (the HTTP stack's own cost).
Last, ``--steps`` messages go through the webhook's steps one at a time in the bench process, each
step timed (throttle check, cached channel secret, HMAC + JSON, the tenant transaction, replay claim,
enqueue, outbox mark): where one request's time goes. Each closed-loop segment also reads the CPU time of every process involved (/proc): the function's
uvicorn app and its watchdog, the load processes, the Postgres server with its backends, Redis —
printed as CPU milliseconds per request. The seller (registered through the stack's gateway) stays; its bench inbox rows, outbox rows, replay
keys and the namespace's keys are removed afterwards.
"""

from __future__ import annotations

import os
import uuid

# Before anything imports shared.broker (its broker is built at import time). Inherited by the
# client processes (spawned, they import this module again) and the watchdog, so all use one namespace.
BENCH_NAMESPACE = os.environ.setdefault("BOKAI_BENCH_NAMESPACE", f"bokai-bench-{uuid.uuid4().hex[:10]}")
os.environ["REDIS_BROKER_NAMESPACE"] = BENCH_NAMESPACE

import argparse  # noqa: E402
import asyncio  # noqa: E402
import json  # noqa: E402
import logging  # noqa: E402
import multiprocessing  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402
from collections.abc import Awaitable, Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from datetime import datetime, timezone  # noqa: E402
from pathlib import Path  # noqa: E402
from uuid import UUID  # noqa: E402

import httpx  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bench._common import database_label, ms, percentile, require_stack_env, run_bounded  # noqa: E402
from shared.http.signatures import sign  # noqa: E402

RAW_QUEUE = "bench"
CALLER_ADDRESS = "203.0.113.7"  # TEST-NET-3
RAW_ACTOR = "bench.noop"
TEXTS = [
    "Dzień dobry, kiedy wyślecie moje zamówienie? Płaciłem wczoraj przelewem.",
    "Czy mogę zwrócić czajnik, jeśli pudełko zostało otwarte?",
    "Paczka przyszła uszkodzona, co mam zrobić? Załączam zdjęcia.",
    "Poproszę fakturę na firmę, NIP podam w następnej wiadomości.",
    "Czy ten model jest dostępny w kolorze czarnym i ile trzeba czekać?",
    "Chcę zmienić adres dostawy, zamówienie nie zostało chyba jeszcze wysłane.",
]


@dataclass(frozen=True)
class Segment:
    """One measured segment, run by every client process (or the one raw process) at once."""
    kind: str  # "raw" | "trivial" | "webhook"
    mode: str  # "closed" | "rate"
    seconds: float
    concurrency: int  # per process (closed loop)
    rate: float  # per process (fixed rate)
    start_at: float  # time.time() at which every process starts, so their walls line up
    url: str = ""
    tenant_id: str = ""
    account_id: str = ""
    secret: str = ""
    tag: str = ""  # unique per segment and process: message ids never collide


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    ended_at: float = 0.0


def _body(tag: str, i: int) -> bytes:
    return json.dumps({"messageId": f"{tag}-{i}", "conversationId": f"{tag}-conv-{i // 4}",
                       "text": f"{TEXTS[i % len(TEXTS)]} (nr {i})",
                       "sentAt": datetime.now(timezone.utc).isoformat(),
                       "customer": {"name": f"Klient {i % 97}"}}).encode()


async def _drive(segment: Segment, one: Callable[[int], Awaitable[str]]) -> Outcome:
    outcome = Outcome()
    loop = asyncio.get_running_loop()
    await asyncio.sleep(max(0.0, segment.start_at - time.time()))
    start = loop.time()
    deadline = start + segment.seconds

    async def timed(i: int, due: float) -> None:
        try:
            status = await one(i)
        except httpx.HTTPError as problem:
            status = type(problem).__name__
        outcome.latencies.append(loop.time() - due)
        outcome.statuses[status] += 1

    if segment.mode == "closed":
        counter = iter(range(10**9))

        async def worker() -> None:
            while loop.time() < deadline:
                await timed(next(counter), loop.time())

        await asyncio.gather(*(worker() for _ in range(segment.concurrency)))
    else:
        tasks = []
        for i in range(int(segment.rate * segment.seconds)):
            due = start + i / segment.rate
            await asyncio.sleep(max(0.0, due - loop.time()))
            tasks.append(asyncio.create_task(timed(i, due)))
        await asyncio.gather(*tasks)
    outcome.ended_at = time.time()
    return outcome


async def _http_segment(segment: Segment) -> Outcome:
    limits = httpx.Limits(max_connections=segment.concurrency if segment.mode == "closed" else 64)
    async with httpx.AsyncClient(base_url=segment.url, limits=limits, timeout=30) as client:
        await client.get("/_/live")  # connect before the clock starts
        path = f"/channels/{segment.tenant_id}/{segment.account_id}/messages"

        async def webhook(i: int) -> str:
            body, timestamp = _body(segment.tag, i), int(time.time())
            response = await client.post(path, content=body, headers={
                # What the OpenFaaS gateway appends: a public caller, so the failure throttle runs as in
                # production (it skips loopback callers).
                "X-Forwarded-For": CALLER_ADDRESS,
                "content-type": "application/json", "X-BokAI-Timestamp": str(timestamp),
                "X-BokAI-Signature": sign(segment.secret, timestamp, body)})
            return str(response.status_code)

        async def trivial(i: int) -> str:
            return str((await client.get("/_/live")).status_code)

        return await _drive(segment, webhook if segment.kind == "webhook" else trivial)


async def _raw_segment(segment: Segment) -> Outcome:
    from shared.broker import enqueue
    from shared.inbox.events import insert_event
    from shared.inbox.schemas import GenericCustomer, GenericMessage
    from shared.infra.postgres import close_pool, open_pool
    from shared.tenancy.db import tenant_tx

    tenant_id = UUID(segment.tenant_id)
    await open_pool()
    try:
        async def raw(i: int) -> str:
            message = GenericMessage(message_id=f"{segment.tag}-{i}", conversation_id=f"{segment.tag}-conv-{i // 4}",
                                     text=f"{TEXTS[i % len(TEXTS)]} (nr {i})", sent_at=datetime.now(timezone.utc),
                                     customer=GenericCustomer(name=f"Klient {i % 97}"))
            async with tenant_tx(tenant_id):
                event_id = await insert_event(tenant_id, f"bench-raw:{segment.tag}", message.message_id,
                                              "message.created", message)
            enqueue(RAW_QUEUE, RAW_ACTOR, str(tenant_id), str(event_id))
            return "stored"

        async with tenant_tx(tenant_id):  # warm the pool's connections before the clock starts
            pass
        return await _drive(segment, raw)
    finally:
        await close_pool()


def run_segment(segment: Segment) -> Outcome:
    """Entry point of a load process (multiprocessing, spawned)."""
    logging.getLogger("httpx").setLevel(logging.WARNING)
    return asyncio.run(_raw_segment(segment) if segment.kind == "raw" else _http_segment(segment))


@dataclass
class CpuGroups:
    """Where the CPU of a segment goes (bench.load.resources: each process tree, read again at every
    sample, so the database's backends that come and go are counted)."""
    app_pid: int
    watchdog_pid: int
    postmaster: int
    redis: int

    def sample(self) -> dict[str, float]:
        from bench.load.resources import tree_usage

        app = tree_usage([self.app_pid]).cpu_seconds
        load = [child.pid for child in multiprocessing.active_children()]
        return {"app": app, "watchdog": tree_usage([self.watchdog_pid]).cpu_seconds - app,  # its tree holds the app
                "load processes": tree_usage(load).cpu_seconds,
                "postgres": tree_usage([self.postmaster]).cpu_seconds, "redis": tree_usage([self.redis]).cpu_seconds}


@dataclass
class Measured:
    kind: str
    mode: str
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    cpu: Counter[str] = field(default_factory=Counter)  # CPU seconds per process group

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def measure(pool, args: argparse.Namespace, target: dict[str, str], run: str, cpu: CpuGroups) -> list[Measured]:
    plan = [(kind, "closed") for kind in ("raw", "trivial", "webhook", "webhook", "trivial", "raw")]
    plan += [(kind, "rate") for kind in ("raw", "trivial", "webhook")]
    results: dict[tuple[str, str], Measured] = {}
    for n, (kind, mode) in enumerate(tqdm(plan, desc="segments", unit="segment"), 1):
        processes = 1 if kind == "raw" else args.clients
        start_at = time.time() + 1.5  # every process is up and connected by then
        segments = [Segment(kind, mode, args.seconds, max(1, args.concurrency // processes),
                            args.rate / processes, start_at, tag=f"{run}-{n}-{p}", **target)
                    for p in range(processes)]
        before = cpu.sample()
        outcomes = pool.map(run_segment, segments)
        after = cpu.sample()
        measured = results.setdefault((kind, mode), Measured(kind, mode))
        measured.cpu.update({group: after[group] - before[group] for group in after})
        for outcome in outcomes:
            measured.latencies += outcome.latencies
            measured.statuses += outcome.statuses
        measured.seconds += max(o.ended_at for o in outcomes) - start_at
    return list(results.values())


async def setup_seller(gateway_url: str) -> dict[str, str]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=60) as gateway:
        registered = await gateway.post("/function/auth/register", json={
            "email": f"bench-webhooks-{uuid.uuid4().hex[:8]}@sklep.pl", "password": "Zielona-Herbata-42",
            "companyName": "Bench Webhooks"})
        if registered.status_code != 201:
            raise SystemExit(f"register failed: {registered.status_code} {registered.text}")
        seller = {"Authorization": f"Bearer {registered.json()['accessToken']}"}
        channel = await gateway.post("/function/channels/generic", headers=seller, json={
            "name": "Bench sklep", "callbackUrl": "https://sklep.example.pl/bokai"})
        if channel.status_code != 201:
            raise SystemExit(f"creating the generic channel failed: {channel.status_code} {channel.text}")
    return {"tenant_id": registered.json()["tenant"]["id"], "account_id": channel.json()["account"]["id"],
            "secret": channel.json()["webhookSecret"]}


async def count_and_clean(tenant_id: UUID, account_id: str, run: str) -> dict[str, int]:
    """What the run stored and queued, then remove it (the seller and its channel stay)."""
    from shared.inbox.tables import InboxEvent
    from shared.infra.postgres import close_pool, open_pool
    from shared.infra.redis import close_redis, open_redis, redis_client
    from shared.tenancy.db import tenant_tx, tx_connection
    from shared.tenancy.keys import TenantKeys

    await open_pool()
    await open_redis()
    try:
        redis = redis_client()
        found = {"webhook rows": 0, "raw rows": 0,
                 "inbox jobs": int(await redis.llen(f"{BENCH_NAMESPACE}:inbox")),
                 "raw jobs": int(await redis.llen(f"{BENCH_NAMESPACE}:{RAW_QUEUE}"))}
        async with tenant_tx(tenant_id):
            found["webhook rows"] = await InboxEvent.count().where(
                (InboxEvent.source == f"generic:{account_id}") & InboxEvent.external_id.like(f"{run}-%"))
            found["raw rows"] = await InboxEvent.count().where(InboxEvent.source.like(f"bench-raw:{run}-%"))
            await InboxEvent.delete().where(InboxEvent.external_id.like(f"{run}-%"))
            await tx_connection().execute("DELETE FROM outbox WHERE tenant_id = $1", tenant_id)
        keys = TenantKeys(redis, tenant_id)
        replay = await keys.names(f"webhook-signature:{account_id}:*")
        if replay:
            await keys.delete(*replay)
        namespace = [k async for k in redis.scan_iter(match=f"{BENCH_NAMESPACE}*", count=500)]
        if namespace:
            await redis.delete(*namespace)
        return found
    finally:
        await close_redis()
        await close_pool()


STEPS = ("failure throttle check", "channel secret (cached)", "verify HMAC + decode JSON",
         "tenant_tx: insert event + outbox job", "replay claim (SET NX)", "enqueue (thread)", "outbox mark_sent")


async def step_breakdown(target: dict[str, str], run: str, count: int) -> dict[str, list[float]]:
    """One webhook's work done step by step in this process, one message at a time (no HTTP): where a
    request's time goes when nothing else competes inside the process."""
    from shared.auth.settings import auth_settings
    from shared.auth.throttle import webhook_failure_throttle
    from shared.inbox.channels import channel_secret
    from shared.inbox.events import store_event
    from shared.inbox.service import _decode_generic
    from shared.inbox.signing import claim_signature
    from shared.http.signatures import verify
    from shared.infra.postgres import close_pool, open_pool
    from shared.infra.redis import close_redis, open_redis, redis_client
    from shared.outbox.staging import enqueue_job, mark_sent
    from shared.tenancy.db import tenant_tx

    await open_pool()
    await open_redis()
    times: dict[str, list[float]] = {step: [] for step in STEPS}
    try:
        for i in tqdm(range(count), desc="step breakdown", unit="msg", leave=False):
            body, timestamp = _body(f"{run}-steps", i), int(time.time())
            signature = sign(target["secret"], timestamp, body)
            marks = [time.perf_counter()]
            await webhook_failure_throttle(redis_client(), auth_settings(), CALLER_ADDRESS).check()
            marks.append(time.perf_counter())
            channel = await channel_secret(target["tenant_id"], target["account_id"], "generic", "webhookSecret")
            marks.append(time.perf_counter())
            verified = verify(channel.secret, str(timestamp), signature, body)
            message = _decode_generic(body)
            marks.append(time.perf_counter())
            async with tenant_tx(channel.tenant_id):
                stored = await store_event(channel.tenant_id, f"generic:{channel.channel_account_id}",
                                           message.message_id, "message.created", message)
            marks.append(time.perf_counter())
            await claim_signature(channel.tenant_id, channel.channel_account_id, verified)
            marks.append(time.perf_counter())
            await asyncio.to_thread(enqueue_job, stored.job)
            marks.append(time.perf_counter())
            await mark_sent([stored.job.id])
            marks.append(time.perf_counter())
            for step, start, end in zip(STEPS, marks, marks[1:]):
                times[step].append(end - start)
    finally:
        await close_redis()
        await close_pool()
    return times


def _row(label: str, m: Measured) -> str:
    return (f"  {label:<46}{m.per_second:>9.0f}{ms(percentile(m.latencies, 50)):>10}"
            f"{ms(percentile(m.latencies, 99)):>10}{ms(max(m.latencies)):>10}")


def report_steps(times: dict[str, list[float]]) -> None:
    total = sum(percentile(samples, 50) for samples in times.values())
    print(f"\n  one webhook's steps, {len(times[STEPS[0]])} messages one at a time in one process (no HTTP):")
    for step, samples in times.items():
        p50 = percentile(samples, 50)
        print(f"    {step:<40}{ms(p50):>10}{ms(percentile(samples, 99)):>10}   {p50 / total:4.0%} of the p50 sum")
    print(f"    {'sum of the p50s':<40}{ms(total):>10}")


def report(args: argparse.Namespace, results: list[Measured], found: dict[str, int]) -> bool:
    by = {(m.kind, m.mode): m for m in results}
    labels = {"raw": "raw: tenant_tx INSERT+COMMIT, enqueue", "trivial": "trivial: GET /_/live via watchdog",
              "webhook": "webhook: POST …/messages → 202 via watchdog"}
    print()
    print(f"webhook_ingest — database {database_label()}, Redis broker namespace {BENCH_NAMESPACE} (no worker)")
    print(f"  webhooks function under of-watchdog (Dockerfile.fn env) → uvicorn; load from {args.clients} "
          f"client processes; raw in 1 process; load {os.getloadavg()[0]:.1f} (1-min) after the run")
    for mode, title in (("closed", f"closed loop, {args.concurrency} in flight, 2 × {args.seconds:g} s each (ABBA)"),
                        ("rate", f"fixed rate {args.rate:g}/s for {args.seconds:g} s (latency from due time)")):
        print(f"\n  {title:<46}{'req/s':>9}{'p50':>10}{'p99':>10}{'max':>10}")
        for kind in ("raw", "trivial", "webhook"):
            print(_row(labels[kind], by[(kind, mode)]))
    hook, raw, trivial = by[("webhook", "closed")], by[("raw", "closed")], by[("trivial", "closed")]
    paced = by[("webhook", "rate")]
    print()
    print(f"  webhook / raw throughput       {hook.per_second / raw.per_second:5.2f}×   (target ≥ 0.50×)")
    print(f"  webhook / trivial throughput   {hook.per_second / trivial.per_second:5.2f}×")
    print(f"  webhook p99 at {args.rate:g}/s           {ms(percentile(paced.latencies, 99)):>7}   (target < 20 ms); "
          f"× raw p99 {percentile(paced.latencies, 99) / percentile(by[('raw', 'rate')].latencies, 99):.2f}")
    groups = ("app", "watchdog", "load processes", "postgres", "redis")
    print(f"\n  CPU ms per request, closed loop (postgres and redis serve the whole stack: anything else using them "
          f"counts too){'':<0}")
    print(f"  {'':<46}" + "".join(f"{g:>16}" for g in groups))
    for kind in ("raw", "trivial", "webhook"):
        m = by[(kind, "closed")]
        print(f"  {kind:<46}" + "".join(f"{1000 * m.cpu[g] / len(m.latencies):>16.2f}" for g in groups))
    statuses = {f"{m.kind}/{m.mode}": dict(m.statuses) for m in results}
    print(f"\n  answers: {statuses}")
    accepted = sum(m.statuses.get("202", 0) for m in results if m.kind == "webhook")
    stored = sum(m.statuses.get("stored", 0) for m in results if m.kind == "raw")
    print(f"  stored: {found}; webhook 202s {accepted}, raw stores {stored}")
    ok = (found["webhook rows"] == found["inbox jobs"] == accepted and found["raw rows"] == found["raw jobs"] == stored
          and all(set(m.statuses) <= {"202", "200", "stored"} for m in results))
    print(f"  check: every 202 stored once and its job enqueued once, no other answer: {'ok' if ok else 'FAILED'}")
    return ok


async def run(args: argparse.Namespace) -> int:
    require_stack_env()
    from tests.deploy.watchdog import start_watchdog

    from bench.load.resources import server_pids
    from shared.infra.postgres import close_pool, open_pool

    target = await setup_seller(f"http://127.0.0.1:{os.environ.get('GATEWAY_PORT', '8080')}")
    await open_pool()
    try:  # the Postgres and Redis serving this run, as their connections see them
        servers = await server_pids(Path(os.environ.get("BOKAI_STATE_DIR", ".state")))
    finally:
        await close_pool()
    run_id = f"wh{uuid.uuid4().hex[:8]}"
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as state:
        watchdog = await asyncio.to_thread(start_watchdog, "webhooks", Path(state))
        try:
            context = multiprocessing.get_context("spawn")
            with context.Pool(args.clients) as pool:
                cpu = CpuGroups(watchdog.app_pid(), watchdog.process.pid, servers["postgres"][0], servers["redis"][0])
                results = await asyncio.to_thread(measure, pool, args, {"url": watchdog.url, **target}, run_id, cpu)
        finally:
            await asyncio.to_thread(watchdog.stop)
    found = await count_and_clean(UUID(target["tenant_id"]), target["account_id"], run_id)
    ok = report(args, results, found)
    if args.steps:
        report_steps(await step_breakdown(target, run_id, args.steps))
        await count_and_clean(UUID(target["tenant_id"]), target["account_id"], run_id)
    return 0 if ok else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.webhook_ingest", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured segment")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="requests in flight in closed loop, over all clients (the watchdog allows 32)")
    parser.add_argument("--rate", type=float, default=200.0, help="requests per second in the fixed-rate runs")
    parser.add_argument("--clients", type=int, default=2, help="load generator processes")
    parser.add_argument("--steps", type=int, default=300,
                        help="messages for the per-step breakdown at the end (0: skip it)")
    parser.add_argument("--max-minutes", type=float, default=10.0, help="stop the whole bench after this")
    args = parser.parse_args(argv)
    if not (1 <= args.seconds <= 600 and 1 <= args.concurrency <= 32 and 1 <= args.rate <= 5000
            and 1 <= args.clients <= 16 and 0 <= args.steps <= 10_000):
        parser.error("out of range (seconds 1..600, concurrency 1..32, rate 1..5000, clients 1..16, steps 0..10000)")
    return run_bounded(lambda: run(args), args.max_minutes)


if __name__ == "__main__":
    raise SystemExit(main())
