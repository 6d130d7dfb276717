"""One load-test run from start to end: deployment, sellers, traffic, drain, measurements, cleanup."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import httpx2
from tqdm import tqdm

from bench.load import report
from bench.load.deployment import STATE_DIR, drop_namespace, own_deployment, stack_deployment
from bench.load.outcomes import collect, replies_by_model
from bench.load.resources import server_pids, snapshot, tenant_row_bytes
from bench.load.sellers import (
    Seller,
    SellerFile,
    ServiceSignup,
    create_via_api,
    mint_access_tokens,
    remove_sellers,
    wait_documents_ready,
)
from bench.load.traffic import SECONDS_PER_DAY, TrafficPlan, run_process

LOAD_DIR = STATE_DIR / "load"


def uptime() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def run(args, run_id: str) -> int:
    run_dir = LOAD_DIR / run_id
    run_dir.mkdir(parents=True, exist_ok=True)
    print(f"run {run_id}: logs and sellers.json in {run_dir}", file=sys.stderr)
    started = time.perf_counter()
    if args.deployment == "own":
        namespace = f"bokai-load-{run_id}"
        try:
            deployment = own_deployment(run_dir, namespace, llm=args.llm, stub_delay_ms=args.stub_delay_ms,
                                        worker_processes=args.worker_processes, worker_threads=args.worker_threads)
        except BaseException:
            drop_namespace(namespace)  # a worker that started before another part failed left its keys
            raise
    else:
        deployment = stack_deployment()
    phases = {"deployment_start": time.perf_counter() - started}
    try:
        result = asyncio.run(_measure(args, run_id, run_dir, deployment, phases))
    finally:
        stopping = time.perf_counter()
        deployment.stop()
        if deployment.kind == "own":
            drop_namespace(deployment.namespace)
        phases["deployment_stop"] = time.perf_counter() - stopping
    result["phases_seconds"] = {name: round(seconds, 1) for name, seconds in phases.items()}
    report.print_report(result)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2, default=str))
        print(f"\nJSON: {args.json}")
    return 0 if result["ok"] else 1


async def _measure(args, run_id: str, run_dir: Path, deployment, phases: dict[str, float]) -> dict:
    from shared.infra.postgres import close_pool, open_pool
    from shared.infra.redis import make_redis
    from shared.knowledge.stores import KnowledgeStores

    await open_pool()
    stores = await KnowledgeStores.open()
    redis = make_redis()
    components = {**(await server_pids(STATE_DIR)), **deployment.components}
    sellers_file = SellerFile(run_dir / "sellers.json")
    uptime_start = uptime()
    try:
        before = await snapshot(components, STATE_DIR)
        mark = time.perf_counter()
        try:
            setup = await _create_sellers(args, run_id, deployment.base_url, stores, redis, sellers_file)
            after_setup = await snapshot(components, STATE_DIR)
            phases["sellers_setup"], mark = time.perf_counter() - mark, time.perf_counter()
            result = await _load_and_drain(args, run_id, deployment, components, sellers_file.sellers, redis,
                                           setup, before, after_setup, uptime_start, phases)
        except BaseException:
            if not args.keep:  # a failed run leaves nothing behind (Weaviate tenants hold open files)
                print(f"run failed: removing the {len(sellers_file.sellers)} sellers made so far", file=sys.stderr)
                await _remove(sellers_file, stores, redis)
            raise
        if not args.keep:
            mark = time.perf_counter()
            print(f"removing the {len(sellers_file.sellers)} bench sellers", file=sys.stderr)
            await _remove(sellers_file, stores, redis)
            result["after_cleanup"] = (await snapshot(components, STATE_DIR)).as_dict()
            result["sellers_removed"] = True
            phases["cleanup"] = time.perf_counter() - mark
        return result
    finally:
        await redis.aclose()
        await stores.close()
        await close_pool()


async def _remove(sellers_file: SellerFile, stores, redis) -> None:
    await remove_sellers(sellers_file.sellers, stores, redis)
    if sellers_file.path.exists():
        sellers_file.path.rename(sellers_file.path.with_name("sellers.removed.json"))


async def _load_and_drain(args, run_id: str, deployment, components, sellers: list[Seller], redis, setup: dict,
                          before, after_setup, uptime_start: str, phases: dict[str, float]) -> dict:
    """Issue the traffic from the load processes, wait for the decisions, measure; returns the result."""
    mark = time.perf_counter()
    seconds = args.minutes * 60
    await mint_access_tokens(sellers, redis, ttl_seconds=int(seconds + args.drain_seconds + 900))
    compression = args.compression or SECONDS_PER_DAY / seconds
    plan = TrafficPlan(deployment.base_url, run_id, time.time() + 3, seconds, compression,
                       args.messages_per_day, args.reads_per_day, args.searches_per_day, args.seed)
    print(f"issuing for {seconds:.0f}s from {args.processes} processes "
          f"(≈{len(sellers) * args.messages_per_day * compression / SECONDS_PER_DAY:.1f} customer messages/s)",
          file=sys.stderr)
    shares = [sellers[i::args.processes] for i in range(args.processes)]
    loop = asyncio.get_running_loop()
    with multiprocessing.get_context("spawn").Pool(args.processes) as pool:
        results = await loop.run_in_executor(None, lambda: pool.starmap(
            run_process, [(share, plan, i) for i, share in enumerate(shares) if share]))
    merged = report.merge(results)
    phases["load"], mark = time.perf_counter() - mark, time.perf_counter()
    outcomes = await collect(merged.accepted, args.drain_seconds)
    phases["drain"] = time.perf_counter() - mark
    after_drain = await snapshot(components, STATE_DIR)
    tenant_ids = [s.tenant_id for s in sellers]
    outcomes.replies_by_model = await replies_by_model(tenant_ids)
    rows = await tenant_row_bytes(tenant_ids)
    result = _result(args, run_id, deployment, plan, setup, merged, outcomes, before, after_setup, after_drain,
                     uptime_start, uptime())
    result["postgres_rows"] = report.postgres_rows(rows, len(sellers), result["config"]["day_fraction"])
    return result


async def _create_sellers(args, run_id: str, base_url: str, stores, redis, sellers_file: SellerFile) -> dict:
    api_count = min(args.api_sellers, args.sellers)
    started = time.perf_counter()
    async with httpx2.AsyncClient(base_url=base_url, timeout=60) as client:
        created = []
        for index in range(api_count):
            seller, document_id = await create_via_api(client, run_id, index)
            sellers_file.add(seller)
            created.append((seller, document_id))
        await wait_documents_ready(client, created, timeout=120)
    api_seconds = time.perf_counter() - started

    signup = ServiceSignup(stores, redis)
    gate = asyncio.Semaphore(args.setup_concurrency)
    progress = tqdm(total=args.sellers - api_count, desc="sellers (service code)", file=sys.stderr, disable=None)
    started = time.perf_counter()

    async def one(index: int) -> None:
        async with gate:
            sellers_file.add(await signup.create(run_id, index))
        progress.update()

    async with asyncio.TaskGroup() as group:  # the first failure cancels the rest
        for index in range(api_count, args.sellers):
            group.create_task(one(index))
    progress.close()
    service_seconds = time.perf_counter() - started
    service_count = args.sellers - api_count
    sellers_file.sellers.sort(key=lambda s: s.index)
    return {"api_sellers": api_count, "api_seconds": round(api_seconds, 2),
            "api_seconds_per_seller": round(api_seconds / api_count, 3) if api_count else 0.0,
            "service_sellers": service_count, "service_seconds": round(service_seconds, 2),
            "service_seconds_per_seller": round(service_seconds / service_count, 4) if service_count else 0.0}


def _result(args, run_id, deployment, plan: TrafficPlan, setup, merged, outcomes, before, after_setup, after_drain,
            uptime_start, uptime_end) -> dict:
    routes = report.route_table(merged, plan.seconds)
    resources = report.resource_rows(before, after_setup, after_drain, args.sellers)
    decided = len(outcomes.lags)
    accepted = len(merged.accepted)
    webhook_cpu = resources.get("fn-webhooks", {}).get("cpu_seconds_load") or 0
    worker_cpu = resources.get("worker", {}).get("cpu_seconds_load") or 0
    busy = (outcomes.last_decision_at - plan.start_at) if outcomes.last_decision_at else 0
    drafted = outcomes.kinds.get("reply or draft", 0)
    return {
        "run_id": run_id, "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "command": " ".join(["python -m bench.load", *sys.argv[1:]]),
        "config": {"sellers": args.sellers, "minutes": args.minutes, "compression": round(plan.compression, 2),
                   "day_fraction": plan.seconds * plan.compression / SECONDS_PER_DAY,
                   "messages_per_day": args.messages_per_day, "reads_per_day": args.reads_per_day,
                   "searches_per_day": args.searches_per_day, "processes": args.processes,
                   "worker_processes": args.worker_processes, "worker_threads": args.worker_threads,
                   "drain_seconds": args.drain_seconds},
        "deployment": f"{deployment.kind} ({deployment.base_url})", "llm": deployment.llm,
        "uptime_start": uptime_start, "uptime_end": uptime_end, "setup": setup,
        "routes": routes, "max_start_delay_ms": round(merged.max_start_delay * 1000, 1),
        "queue_lag": report.lag_summary(outcomes.lags),
        "outcomes": {"accepted": accepted, "kinds": dict(outcomes.kinds), "pending": outcomes.pending,
                     "drain_seconds": round(outcomes.drain_seconds, 1),
                     "replies_by_model": dict(outcomes.replies_by_model)},
        "resources": resources,
        "stores": report.store_rows(before, after_setup, after_drain, args.sellers),
        "throughput": {
            "webhooks_per_function_core_second": round(accepted / webhook_cpu, 1) if webhook_cpu else None,
            "decisions_per_worker_core_second": round(decided / worker_cpu, 2) if worker_cpu else None,
            "decisions_per_second": round(decided / busy, 2) if busy > 0 else None,
        },
        "snapshots": {"before": before.as_dict(), "after_setup": after_setup.as_dict(),
                      "after_drain": after_drain.as_dict()},
        # Every route answered without an error, and every accepted message got its reply or draft.
        "ok": all(r["errors"] == 0 for r in routes.values()) and outcomes.pending == 0
              and drafted == accepted and accepted == routes["webhook"]["count"],
    }


def cleanup_all() -> int:
    """Remove the sellers of every earlier run still listed under .state/load/*/sellers.json."""
    async def remove() -> int:
        from shared.infra.postgres import close_pool, open_pool
        from shared.infra.redis import make_redis
        from shared.knowledge.stores import KnowledgeStores

        await open_pool()
        stores, redis = await KnowledgeStores.open(), make_redis()
        removed = 0
        try:
            for path in sorted(LOAD_DIR.glob("*/sellers.json")):
                sellers: list[Seller] = SellerFile.read(path)
                await remove_sellers(sellers, stores, redis)
                removed += len(sellers)
                path.rename(path.with_name("sellers.removed.json"))
                print(f"{path.parent.name}: removed {len(sellers)} sellers")
        finally:
            await redis.aclose()
            await stores.close()
            await close_pool()
        return removed

    print(f"removed {asyncio.run(remove())} bench sellers in total")
    return 0
