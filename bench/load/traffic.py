"""The load generator: separate processes (multiprocessing, spawned), each driving a share of the sellers.

Every seller's day is a Poisson process per kind of request — customer messages through the signed
webhook, inbox reads (the conversation list, then the newest conversation), knowledge-base searches —
at ``per_day`` events a day, run ``compression`` times faster than real time. Open loop: a request
is sent when it is due, whatever the server is doing, and its latency counts from the moment it was
due, so a server (or a client process) falling behind shows in the percentiles instead of silently
slowing the arrivals. Each process has its own event loop and keep-alive connection pool; nothing
runs in a server's process.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone

import httpx2

from bench.load.sellers import Seller
from bench.load.shop import CUSTOMER_QUESTIONS, SEARCH_QUERIES
from shared.http.signatures import signed_headers

WEBHOOK, INBOX_LIST, INBOX_DETAIL, KB_SEARCH = "webhook", "inbox list", "inbox detail", "kb search"
ROUTES = (WEBHOOK, INBOX_LIST, INBOX_DETAIL, KB_SEARCH)
SECONDS_PER_DAY = 86400


@dataclass(frozen=True)
class TrafficPlan:
    base_url: str
    run_id: str
    start_at: float  # time.time() when every process starts issuing
    seconds: float
    compression: float
    messages_per_day: float
    reads_per_day: float
    searches_per_day: float
    seed: int
    connections: int = 64


@dataclass
class ProcessResult:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {r: [] for r in ROUTES})
    statuses: dict[str, Counter] = field(default_factory=lambda: {r: Counter() for r in ROUTES})
    # (tenant id, conversation ref, wall time of the 202) of every accepted customer message
    accepted: list[tuple[str, str, float]] = field(default_factory=list)
    issued: int = 0
    # How late the process started requests against their due time (client saturation check).
    max_start_delay: float = 0.0


def schedule(sellers: list[Seller], plan: TrafficPlan, seed: int) -> list[tuple[float, str, int]]:
    """(seconds after start, kind, seller position) for the whole run, sorted by time."""
    rng = random.Random(seed)
    events = []
    for position in range(len(sellers)):
        for kind, per_day in ((WEBHOOK, plan.messages_per_day), (INBOX_LIST, plan.reads_per_day),
                              (KB_SEARCH, plan.searches_per_day)):
            rate = per_day * plan.compression / SECONDS_PER_DAY  # events per second of the run
            if rate <= 0:
                continue
            t = rng.expovariate(rate)
            while t < plan.seconds:
                events.append((t, kind, position))
                t += rng.expovariate(rate)
    events.sort()
    return events


def run_process(sellers: list[Seller], plan: TrafficPlan, process_index: int) -> ProcessResult:
    """Entry point of one load process."""
    return asyncio.run(_drive(sellers, plan, process_index))


async def _drive(sellers: list[Seller], plan: TrafficPlan, process_index: int) -> ProcessResult:
    result = ProcessResult()
    events = schedule(sellers, plan, plan.seed * 1000 + process_index)
    counters = Counter()
    limits = httpx2.Limits(max_connections=plan.connections, max_keepalive_connections=plan.connections)
    async with httpx2.AsyncClient(base_url=plan.base_url, timeout=60, limits=limits) as client:
        loop = asyncio.get_running_loop()
        await asyncio.sleep(max(0.0, plan.start_at - time.time()))
        start = loop.time()
        tasks = set()
        for offset, kind, position in events:
            due = start + offset
            if (wait := due - loop.time()) > 0:
                await asyncio.sleep(wait)
            result.max_start_delay = max(result.max_start_delay, loop.time() - due)
            seller = sellers[position]
            counters[seller.index] += 1
            action = {WEBHOOK: _customer_writes, INBOX_LIST: _seller_reads, KB_SEARCH: _seller_searches}[kind]
            task = asyncio.create_task(action(client, seller, plan, counters[seller.index], due, result))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
            result.issued += 1
        if tasks:
            await asyncio.wait(tasks)
    return result


def _record(result: ProcessResult, route: str, started: float, status: str) -> None:
    result.latencies[route].append(asyncio.get_running_loop().time() - started)
    result.statuses[route][status] += 1


async def _timed(result: ProcessResult, route: str, started: float, request) -> httpx2.Response | None:
    try:
        response = await request
    except httpx2.HTTPError as problem:
        _record(result, route, started, type(problem).__name__)
        return None
    _record(result, route, started, str(response.status_code))
    return response


async def _customer_writes(client, seller: Seller, plan: TrafficPlan, n: int, due: float, result: ProcessResult) -> None:
    ref = f"lb-{plan.run_id}-{seller.index}-{n}"
    body = json.dumps({"messageId": ref, "conversationId": ref, "text": CUSTOMER_QUESTIONS[n % len(CUSTOMER_QUESTIONS)],
                       "sentAt": datetime.now(timezone.utc).isoformat(),
                       "customer": {"name": f"Klient {n}"}}).encode()
    response = await _timed(result, WEBHOOK, due, client.post(
        f"/function/webhooks/channels/{seller.tenant_id}/{seller.account_id}/messages", content=body,
        headers={"content-type": "application/json", **signed_headers(seller.webhook_secret, body)}))
    if response is not None and response.status_code == 202:
        result.accepted.append((seller.tenant_id, ref, time.time()))


async def _seller_reads(client, seller: Seller, plan: TrafficPlan, n: int, due: float, result: ProcessResult) -> None:
    headers = {"Authorization": f"Bearer {seller.access_token}"}
    page = await _timed(result, INBOX_LIST, due, client.get("/function/conversations/conversations",
                                                            params={"limit": 20}, headers=headers))
    if page is None or page.status_code != 200 or not (items := page.json().get("items")):
        return
    started = asyncio.get_running_loop().time()
    await _timed(result, INBOX_DETAIL, started, client.get(f"/function/conversations/conversations/{items[0]['id']}",
                                                           headers=headers))


async def _seller_searches(client, seller: Seller, plan: TrafficPlan, n: int, due: float, result: ProcessResult) -> None:
    await _timed(result, KB_SEARCH, due, client.post(
        "/function/kb/search", headers={"Authorization": f"Bearer {seller.access_token}"},
        json={"query": SEARCH_QUERIES[n % len(SEARCH_QUERIES)], "k": 3}))
