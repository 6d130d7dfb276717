"""The fault suite: every fault of issue 17 against a private second stack, one table per fault.

    scripts/faults                      # every fault but the long ones (starts and stops the fault stack itself)
    scripts/faults redis_restart llm_down   # some of them
    scripts/faults --long               # every fault, the 5-minute Redis and Postgres outages too (~12 min more)
    FAULTS_LONG=1 scripts/faults        # the same

For each fault: a fresh seller (autopilot on, a policy document, a generic channel whose callback is
a recording receiver), N distinct customer messages through the signed generic webhook from a
retrying client, the fault injected after a third of them, then wait until everything settled.
Passes when every message was accepted, stored exactly once, and answered or handed to a person
with a reason (none stuck), and no customer got a reply twice — with nobody restarting anything:
the workers (one per priority class) and the webhooks function run under a restart loop standing in
for Kubernetes, and the workers' liveness files are watched like Kubernetes' probe does (a file older
than 2 minutes restarts the worker, and fails the fault).
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

STATE_DIR = Path(os.environ.get("BOKAI_STATE_DIR", ""))
MESSAGES = int(os.environ.get("FAULTS_MESSAGES", "6"))
SPACING_SECONDS = float(os.environ.get("FAULTS_SPACING_SECONDS", "0.3"))
WEBHOOKS_PORT = int(os.environ.get("FAULTS_WEBHOOKS_PORT", "17191"))

# Timings of the worker tuned down so each fault settles in seconds, not minutes: the same code
# paths as production, with shorter configured bounds (production defaults in shared/broker.py etc.).
APP_OVERRIDES = {
    "BROKER_HEARTBEAT_TIMEOUT_SECONDS": "10", "BROKER_MAINTENANCE_INTERVAL_SECONDS": "3",
    "OUTBOX_RELAY_INTERVAL_SECONDS": "1", "OUTBOX_MIN_AGE_SECONDS": "2",
    "AI_LLM_RETRY_DELAYS_SECONDS": "10,25,40", "REPLIES_DELIVERY_BACKOFF_BASE_MS": "1000",
    "REPLIES_DELIVERY_BACKOFF_MAX_MS": "8000", "GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS": "true",
    "AI_QUIET_PERIOD_SECONDS": "2",
}


def load_env() -> dict[str, str]:
    env_file = STATE_DIR / "env.faults"
    if not env_file.exists():
        sys.exit(f"no {env_file}: run this through scripts/faults")
    env = dict(os.environ)
    for line in env_file.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep and key and not key.startswith("#"):
            env[key] = value
    env.update(APP_OVERRIDES)
    return env


@dataclass
class Fault:
    name: str
    description: str
    inject: Callable[["Run"], Awaitable[None]]
    settle_seconds: float = 120
    # Minutes long: only with --long (or FAULTS_LONG=1) or by name, never in CI's default run.
    long: bool = False


class Run:
    """What a fault can act on: the stack's servers, the supervised processes, the receiver."""

    def __init__(self, worker, webhooks, receiver) -> None:
        self.worker, self.webhooks, self.receiver = worker, webhooks, receiver
        # When the injected fault was over (time.monotonic()): the server back, the kill done.
        self.fault_ended = 0.0

    async def outage(self, server: str, seconds: float) -> None:
        from tests.faults.processes import stack

        await asyncio.to_thread(stack, "stop", server)
        await asyncio.sleep(seconds)
        await asyncio.to_thread(stack, "start", server)


async def _kill_worker(run: Run) -> None:
    run.worker.kill()


async def _callback_503(run: Run) -> None:
    for _ in range(6):
        run.receiver.respond_with(503, **{"Retry-After": "1"})


async def _kill_after_accept(run: Run) -> None:
    run.receiver.hold_responses = True
    try:
        await asyncio.wait_for(run.receiver.holding.wait(), timeout=90)
        run.worker.kill()  # the callback has accepted the reply; the worker dies before recording it
    finally:
        run.receiver.hold_responses = False
        run.receiver.release()


FAULTS = [
    Fault("worker_sigkill", "worker process group SIGKILLed mid-batch", _kill_worker),
    Fault("redis_restart", "Redis stopped for 5 s and started again", lambda r: r.outage("redis", 5)),
    Fault("postgres_restart", "Postgres stopped for 5 s and started again", lambda r: r.outage("postgres", 5)),
    Fault("llm_down", "LLM server down for 60 s", lambda r: r.outage("llm", 60), settle_seconds=180),
    Fault("weaviate_down", "Weaviate down for 30 s", lambda r: r.outage("weaviate", 30), settle_seconds=150),
    Fault("embeddings_down", "embedding server down for 30 s", lambda r: r.outage("embeddings", 30),
          settle_seconds=150),
    Fault("callback_503", "seller callback answers 503 six times, then 200", _callback_503),
    Fault("kill_after_accept", "worker killed right after the callback accepted a reply", _kill_after_accept),
    Fault("redis_outage_5min", "Redis stopped for 5 minutes", lambda r: r.outage("redis", 300),
          settle_seconds=480, long=True),
    Fault("postgres_outage_5min", "Postgres stopped for 5 minutes", lambda r: r.outage("postgres", 300),
          settle_seconds=480, long=True),
]


async def prepare_seller(fault: Fault, callback_url: str) -> tuple:
    """A fresh seller per fault, its policy document ingested by the worker: (tenant id, webhook path)."""
    from shared.channels.tables import ChannelAccount
    from shared.tenancy.db import tenant_tx
    from tests.faults.scenario import new_seller, wait_ingested

    tenant_id, document_id = await new_seller(fault.name.replace("_", "-"), callback_url)
    await wait_ingested(tenant_id, document_id)
    async with tenant_tx(tenant_id):
        account = await ChannelAccount.select(ChannelAccount.id).first()
    return tenant_id, f"/channels/{tenant_id}/{account['id']}/messages"


async def run_fault(fault: Fault, run: Run, index: int, seller: tuple):
    import httpx

    from tests.faults.scenario import (QUESTIONS, Outcome, classify, deliveries_by_reply, message_body,
                                       send_with_retries, settle)

    result = Outcome(fault.name)
    tenant_id, path = seller
    tag = f"{index}-{int(time.time())}"
    refs = [f"m-{tag}-{i}" for i in range(MESSAGES)]
    conversations = {f"chat-{tag}-{i}" for i in range(MESSAGES)}
    restarts_before = {"worker": run.worker.restarts, "webhooks": run.webhooks.restarts}
    liveness_kills_before = run.worker.liveness_kills
    run.worker.take_liveness_max_age()
    deadline = time.monotonic() + fault.settle_seconds + 60

    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{WEBHOOKS_PORT}", timeout=30) as client:
        async def one(i: int) -> tuple[bool, int]:
            await asyncio.sleep(i * SPACING_SECONDS)
            body = message_body(refs[i], f"chat-{tag}-{i}", f"{QUESTIONS[i % len(QUESTIONS)]} (nr {i + 1})")
            return await send_with_retries(client, path, body, deadline)

        senders = [asyncio.create_task(one(i)) for i in range(MESSAGES)]
        await asyncio.sleep(MESSAGES // 3 * SPACING_SECONDS)
        await fault.inject(run)
        run.fault_ended = time.monotonic()
        sent = await asyncio.gather(*senders)
    result.sent = MESSAGES
    result.accepted = sum(ok for ok, _ in sent)
    result.send_attempts = sum(n for _, n in sent)
    rows, result.settle_seconds = await settle(tenant_id, refs, fault.settle_seconds)
    copies = {r["ref"]: r["copies"] for r in rows}
    result.stored_once = sum(1 for ref in refs if copies.get(ref) == 1)
    result.stored_more = sum(1 for ref in refs if copies.get(ref, 0) > 1)
    for row in rows:
        outcome = classify(row)
        if outcome:
            result.outcomes[outcome] += 1
        else:
            result.stuck.append(f"{row['ref']}: reply {row['reply_status']}, conversation {row['conversation_status']}")
    result.stuck += [f"{ref}: not stored" for ref in refs if ref not in copies]
    await asyncio.sleep(2)  # a second delivery, if any, would arrive now
    result.resent_same_reply, result.duplicate_deliveries = deliveries_by_reply(run.receiver, conversations)
    result.restarts = {name: getattr(run, name).restarts - before for name, before in restarts_before.items()}
    result.liveness_kills = run.worker.liveness_kills - liveness_kills_before
    result.liveness_max_age = run.worker.take_liveness_max_age()
    after = sorted(call.at - run.fault_ended for call in run.receiver.deliveries
                   if call.body.get("conversationId") in conversations and call.at >= run.fault_ended)
    result.deliveries_after_fault = (after[0], after[-1]) if after else None
    return result


def print_table(fault: Fault, result) -> None:
    rows = [
        ("fault", fault.description),
        ("messages sent / accepted (2xx)", f"{result.sent} / {result.accepted}  ({result.send_attempts} POSTs)"),
        ("stored exactly once", f"{result.stored_once}" + (f"  (MORE THAN ONCE: {result.stored_more})"
                                                           if result.stored_more else "")),
        *((f"  {outcome}", str(n)) for outcome, n in sorted(result.outcomes.items())),
        ("stuck (neither answered nor handed off)", str(len(result.stuck))),
        ("replies delivered twice to a customer", str(result.duplicate_deliveries)),
        ("reply re-sends absorbed by idempotency key", str(result.resent_same_reply)),
        ("process restarts by the orchestrator loop", ", ".join(f"{k} {v}" for k, v in result.restarts.items())),
        ("  of them by the liveness probe (file > 2 min)", str(result.liveness_kills)),
        ("worker liveness file, oldest seen", f"{result.liveness_max_age:.1f} s"),
        ("replies delivered after the fault ended, first / last",
         f"{result.deliveries_after_fault[0]:.1f} s / {result.deliveries_after_fault[1]:.1f} s"
         if result.deliveries_after_fault else "none"),
        ("settled after", f"{result.settle_seconds:.0f} s"),
        ("result", "PASS" if result.passed else "FAIL"),
    ]
    width = max(len(k) for k, _ in rows)
    print(f"\n== {fault.name} " + "=" * (width + 40 - len(fault.name)))
    for key, value in rows:
        print(f"  {key:<{width}}  {value}")
    for line in result.stuck[:10]:
        print(f"    stuck: {line}")


def select_faults(arguments: list[str], environ=os.environ) -> tuple[list[Fault], set[str]]:
    """(the faults to run, unknown names): the named ones, else every fault but the long ones unless
    ``--long`` or ``FAULTS_LONG=1``."""
    include_long = "--long" in arguments or environ.get("FAULTS_LONG") == "1"
    selected = [a for a in arguments if a != "--long"]
    unknown = set(selected) - {f.name for f in FAULTS}
    return [f for f in FAULTS if f.name in selected or (not selected and (include_long or not f.long))], unknown


async def main(arguments: list[str]) -> int:
    env = load_env()
    os.environ.update(env)
    # This process's own pool reconnecting during the Postgres fault is expected, not news.
    logging.getLogger("asyncpg.pool").setLevel(logging.ERROR)
    from shared.infra.postgres import close_pool, open_pool
    from shared.infra.redis import make_sync_redis
    from tests.fakes.generic_receiver import GenericReceiver
    from tests.faults import processes
    from tests.faults.scenario import SECRET
    from tests.support import serve

    faults, unknown = select_faults(arguments)
    if unknown:
        print(f"unknown fault(s): {', '.join(sorted(unknown))}; known: {', '.join(f.name for f in FAULTS)}")
        return 2
    make_sync_redis().flushdb()  # the fault stack's own Redis database: no jobs from an earlier run
    log_dir = STATE_DIR / "logs"
    worker = processes.worker(env, log_dir, STATE_DIR / "run")
    webhooks = processes.webhooks(env, log_dir, WEBHOOKS_PORT)
    receiver = GenericReceiver(SECRET.encode())
    await open_pool()
    started = time.monotonic()
    results = []
    try:
        async with serve(receiver) as callback:
            receiver.url = f"{callback.base_url}/hook"
            worker.start()
            webhooks.start()
            await processes.wait_http(f"http://127.0.0.1:{WEBHOOKS_PORT}/_/live", 60)
            while not worker.ready():
                await asyncio.sleep(0.3)
            run = Run(worker, webhooks, receiver)
            # Every fault's seller is set up before the first fault, all at once (it is not what is tested).
            sellers = await asyncio.gather(*(prepare_seller(fault, receiver.url) for fault in faults))
            for index, (fault, seller) in enumerate(zip(faults, sellers)):
                result = await run_fault(fault, run, index, seller)
                print_table(fault, result)
                results.append(result)
    finally:
        await worker.stop()
        await webhooks.stop()
        await close_pool()
    failed = [r.fault for r in results if not r.passed]
    print(f"\n{len(results) - len(failed)}/{len(results)} faults passed in {time.monotonic() - started:.0f} s"
          + (f"; FAILED: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
