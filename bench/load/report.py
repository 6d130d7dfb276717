"""The numbers of one run: per-route latency, queue lag, outcomes and resources; printed and as JSON."""

from __future__ import annotations

from collections import Counter

from bench._common import percentile
from bench.load.resources import Snapshot
from bench.load.traffic import ROUTES, ProcessResult


def merge(results: list[ProcessResult]) -> ProcessResult:
    merged = ProcessResult()
    for result in results:
        for route in ROUTES:
            merged.latencies[route] += result.latencies[route]
            merged.statuses[route].update(result.statuses[route])
        merged.accepted += result.accepted
        merged.issued += result.issued
        merged.max_start_delay = max(merged.max_start_delay, result.max_start_delay)
    return merged


def _ok(route: str, status: str) -> bool:
    return status == ("202" if route == "webhook" else "200")


def route_table(merged: ProcessResult, seconds: float) -> dict[str, dict]:
    table = {}
    for route in ROUTES:
        samples, statuses = merged.latencies[route], merged.statuses[route]
        errors = Counter({s: n for s, n in statuses.items() if not _ok(route, s)})
        table[route] = {
            "count": len(samples), "per_second": round(len(samples) / seconds, 2),
            "p50_ms": round(percentile(samples, 50) * 1000, 1) if samples else None,
            "p99_ms": round(percentile(samples, 99) * 1000, 1) if samples else None,
            "errors": sum(errors.values()), "error_statuses": dict(errors),
        }
    return table


def lag_summary(lags: list[float]) -> dict:
    if not lags:
        return {"count": 0, "p50_s": None, "p99_s": None, "max_s": None}
    return {"count": len(lags), "p50_s": round(percentile(lags, 50), 2), "p99_s": round(percentile(lags, 99), 2),
            "max_s": round(max(lags), 2)}


def resource_rows(before: Snapshot, after_setup: Snapshot, after_drain: Snapshot, sellers: int) -> dict[str, dict]:
    rows = {}
    for name in after_drain.components:
        b, s, d = (snap.components.get(name) for snap in (before, after_setup, after_drain))
        if b is None or s is None or d is None:
            continue
        rows[name] = {
            "pss_mb_before": round(b.pss_mb, 1), "pss_mb_after_setup": round(s.pss_mb, 1),
            "pss_mb_after": round(d.pss_mb, 1), "rss_mb_after": round(d.rss_mb, 1),
            "pss_kb_per_seller_setup": round((s.pss_mb - b.pss_mb) * 1024 / sellers, 1),
            "cpu_seconds_load": round(d.cpu_seconds - s.cpu_seconds, 1), "processes": d.processes,
            "open_files_before": b.open_files, "open_files_after_setup": s.open_files,
        }
    return rows


def store_rows(before: Snapshot, after_setup: Snapshot, after_drain: Snapshot, sellers: int) -> dict[str, dict]:
    rows = {}
    for field in ("postgres_database_mb", "redis_used_memory_mb", "weaviate_dir_mb", "minio_dir_mb"):
        b, s, d = (getattr(snap, field) for snap in (before, after_setup, after_drain))
        rows[field] = {"before": round(b, 1), "after_setup": round(s, 1), "after": round(d, 1),
                       "kb_per_seller_setup": round((s - b) * 1024 / sellers, 1),
                       "kb_per_seller_total": round((d - b) * 1024 / sellers, 1)}
    return rows


def postgres_rows(totals: dict[str, dict[str, float]], sellers: int, day_fraction: float) -> dict:
    """Per seller: the bench sellers' rows and bytes (heap + estimated index share) after the run."""
    tables = {t: v for t, v in totals.items() if v["rows"]}
    heap = sum(v["row_bytes"] for v in tables.values())
    index = sum(v["index_bytes_estimate"] for v in tables.values())
    return {"tables": tables, "kb_per_seller": round((heap + index) / 1024 / sellers, 1),
            "heap_kb_per_seller": round(heap / 1024 / sellers, 1), "index_kb_per_seller": round(index / 1024 / sellers, 1),
            "seller_days": round(sellers * day_fraction, 1)}


def print_report(result: dict) -> None:
    cfg = result["config"]
    print(f"\nload test {result['run_id']} — {cfg['sellers']} sellers, {cfg['minutes']:g} min issuing, "
          f"compression ×{cfg['compression']:g} ({cfg['day_fraction']:.2f} of a day), {cfg['processes']} load processes")
    print(f"deployment: {result['deployment']}; AI replies by: {result['llm']}")
    print(f"uptime at start: {result['uptime_start']}\nuptime at end:   {result['uptime_end']}")
    setup = result["setup"]
    print(f"\nsetup: {setup['api_sellers']} sellers through the API in {setup['api_seconds']:.1f}s "
          f"({setup['api_seconds_per_seller']:.2f}s each, ingestion by the worker included), "
          f"{setup['service_sellers']} through the service code in {setup['service_seconds']:.1f}s "
          f"({setup['service_seconds_per_seller']:.3f}s each)")
    print(f"\n{'route':14s} {'count':>7s} {'/s':>7s} {'p50 ms':>8s} {'p99 ms':>8s} {'errors':>7s}")
    for route, row in result["routes"].items():
        p50 = f"{row['p50_ms']:8.1f}" if row["p50_ms"] is not None else f"{'-':>8s}"
        p99 = f"{row['p99_ms']:8.1f}" if row["p99_ms"] is not None else f"{'-':>8s}"
        extra = f"  {row['error_statuses']}" if row["errors"] else ""
        print(f"{route:14s} {row['count']:7d} {row['per_second']:7.2f} {p50} {p99} {row['errors']:7d}{extra}")
    print(f"(latency counts from the moment a request was due; latest start behind schedule: "
          f"{result['max_start_delay_ms']:.0f} ms)")
    out, lag = result["outcomes"], result["queue_lag"]
    print(f"\nqueue lag, webhook 202 → reply/draft or handoff written: n={lag['count']} p50 {lag['p50_s']} s, "
          f"p99 {lag['p99_s']} s, max {lag['max_s']} s")
    print(f"outcomes of {out['accepted']} accepted messages: {out['kinds']}; without a decision after "
          f"{out['drain_seconds']:.0f}s of drain: {out['pending']}")
    print(f"AI replies by model: {out['replies_by_model']}")
    print(f"\n{'component':22s} {'PSS MB before':>13s} {'after setup':>11s} {'after':>8s} {'RSS after':>9s} "
          f"{'KB/seller':>9s} {'CPU s':>7s} {'files before→setup':>19s}")
    for name, row in result["resources"].items():
        print(f"{name:22s} {row['pss_mb_before']:13.1f} {row['pss_mb_after_setup']:11.1f} {row['pss_mb_after']:8.1f} "
              f"{row['rss_mb_after']:9.1f} {row['pss_kb_per_seller_setup']:9.1f} {row['cpu_seconds_load']:7.1f} "
              f"{row['open_files_before']:>9d}→{row['open_files_after_setup']:<9d}")
    print(f"\n{'store':22s} {'before MB':>10s} {'after setup':>11s} {'after':>8s} {'KB/seller setup':>15s} "
          f"{'KB/seller total':>15s}")
    for name, row in result["stores"].items():
        print(f"{name:22s} {row['before']:10.1f} {row['after_setup']:11.1f} {row['after']:8.1f} "
              f"{row['kb_per_seller_setup']:15.1f} {row['kb_per_seller_total']:15.1f}")
    pg = result.get("postgres_rows")
    if pg:
        biggest = sorted(pg["tables"].items(), key=lambda kv: -kv[1]["row_bytes"])[:5]
        print(f"postgres rows of the bench sellers after the run: {pg['kb_per_seller']} KB per seller "
              f"(heap {pg['heap_kb_per_seller']} + indexes ≈{pg['index_kb_per_seller']}; {pg['seller_days']} seller-days); "
              + ", ".join(f"{t} {v['rows']} rows {v['row_bytes'] / 1024:.0f} KB" for t, v in biggest))
    tp = result["throughput"]
    print(f"\nthroughput per core: {tp['webhooks_per_function_core_second']} webhooks per CPU-second of the "
          f"webhooks function (watchdog+uvicorn); {tp['decisions_per_worker_core_second']} replies/drafts per "
          f"CPU-second of the worker; decisions/s achieved {tp['decisions_per_second']}")
    print(f"phases (s): {result.get('phases_seconds')}")
    print("(CPU of the shared servers — Postgres, Redis, Weaviate, embeddings — includes whatever else ran on "
          "the machine meanwhile)")
