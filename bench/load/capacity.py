"""The capacity model from two load-test runs of different sizes (``--json`` outputs of ``bench.load``).

    .venv/bin/python -m bench.load.capacity small.json large.json [--sellers 10000]

Per component:

- **memory per seller**: the slope between the runs of what each run added (PSS after the drain −
  before the run), so a fixed cost of a run (caches, pools warming up) cancels out; **fixed** is the
  component's PSS before the larger run. Sellers per GB = 1 GiB / memory per seller.
- **CPU per seller-day**: CPU-seconds the component spent during the larger run's load and drain,
  divided by the seller-days it served (sellers × the fraction of a day the run compressed).
  Sellers per core = the CPU-seconds a core has in the busy part of a day / (CPU per seller-day ×
  ``--peak``); the default assumes a seller's messages fall within 12 busy hours with the peak hour at
  twice their average.
- **stores**: the bench sellers' Postgres rows, Weaviate and MinIO data directories and Redis
  ``used_memory``, per seller at sign-up and per seller-day of traffic (``stores_model``).

What N sellers need = fixed + N × per seller, cores = N / sellers per core.
The shared servers' CPU includes whatever else ran on the machine during the run (the runs quote
``uptime``), so their sellers-per-core figures are lower bounds.
"""

from __future__ import annotations

import argparse
import json
import math
from pathlib import Path

BUSY_SECONDS = 12 * 3600
PEAK = 2.0


def _delta(run: dict, name: str, key: str = "pss_mb") -> float:
    before, after = run["snapshots"]["before"]["components"], run["snapshots"]["after_drain"]["components"]
    return after[name][key] - before[name][key] if name in before and name in after else 0.0


def _seller_days(run: dict) -> float:
    return run["config"]["sellers"] * run["config"]["day_fraction"]


# The LLM is sized by its own server (vLLM on a GPU in production); the stub only stands in for it here.
NOT_SIZED = {"llm", "stub-llm"}


def open_files_per_seller(run: dict) -> float:
    usage = run["resources"]["weaviate"]
    return (usage["open_files_after_setup"] - usage["open_files_before"]) / run["config"]["sellers"]


def components_model(small: dict, large: dict, sellers: int, peak: float) -> list[dict]:
    rows = []
    span = large["config"]["sellers"] - small["config"]["sellers"]
    for name, usage in large["snapshots"]["before"]["components"].items():
        if name not in small["snapshots"]["before"]["components"]:
            continue
        # Below zero is noise (GC, caches, other work on a shared server): no growth per seller measured.
        per_seller_mb = max((_delta(large, name) - _delta(small, name)) / span, 0.0)
        cpu = large["resources"].get(name, {}).get("cpu_seconds_load", 0.0)
        cpu_per_seller_day = cpu / _seller_days(large)
        per_core = BUSY_SECONDS / (cpu_per_seller_day * peak) if cpu_per_seller_day > 0 else math.inf
        fixed = usage["pss_mb"]
        rows.append({
            "component": name, "fixed_mb": round(fixed, 1), "kb_per_seller": round(per_seller_mb * 1024, 1),
            "sellers_per_gb": round(1024 / per_seller_mb) if per_seller_mb > 0.001 else None,
            "cpu_s_per_seller_day": round(cpu_per_seller_day, 4),
            "sellers_per_core": round(per_core) if per_core != math.inf else None,
            f"memory_gb_at_{sellers}": round((fixed + per_seller_mb * sellers) / 1024, 2),
            f"cores_at_{sellers}": round(sellers / per_core, 2) if per_core != math.inf else 0.0,
        })
    return rows


# Tables a seller's traffic fills; the others are written at sign-up (account, channel, KB, settings).
TRAFFIC_TABLES = {"conversations", "messages", "inbox_events", "outbox", "usage_logs", "handoff_log",
                  "event_deliveries"}


def stores_model(large: dict, sellers: int) -> list[dict]:
    """Per seller (what a seller keeps while signed up) and per seller-day (history that accumulates),
    from the larger run.

    Postgres from the bench sellers' own rows (``postgres_rows``: heap + estimated index entries),
    sign-up tables apart from the tables traffic fills. Weaviate and MinIO: everything the run added
    per seller (traffic only reads them; Weaviate flushes the sign-up writes after the set-up ends).
    Redis: what the run added per seller — sessions, plus keys that expire (replay checks, rate
    limits), so no growth with days. Other work on the shared servers moves the last three a little."""
    n, days = large["config"]["sellers"], _seller_days(large)
    tables = large["postgres_rows"]["tables"]

    def kb(names) -> float:
        return sum(t["row_bytes"] + t["index_bytes_estimate"] for name, t in tables.items() if name in names) / 1024

    rows = [("postgres rows (heap + ≈indexes)", kb(set(tables) - TRAFFIC_TABLES) / n, kb(TRAFFIC_TABLES) / days)]
    for name, label in (("weaviate_dir_mb", "weaviate data dir"), ("minio_dir_mb", "minio data dir"),
                        ("redis_used_memory_mb", "redis used_memory")):
        store = large["stores"][name]
        delta = store["after"] - store["before"] if name != "minio_dir_mb" else store["after_setup"] - store["before"]
        rows.append((label, max(delta, 0.0) * 1024 / n, 0.0))
    return [{"store": label, "kb_per_seller": round(per_seller, 1), "kb_per_seller_day": round(per_day, 1),
             f"gb_at_{sellers}_after_30_days": round((per_seller + 30 * per_day) * sellers / 2**20, 2)}
            for label, per_seller, per_day in rows]


def markdown(small: dict, large: dict, sellers: int, peak: float) -> str:
    lines = [f"| component | fixed MB (PSS) | KB per seller | sellers per GB | CPU s per seller-day | "
             f"sellers per core (peak ×{peak:g}) | {sellers:,} sellers: memory GB | {sellers:,} sellers: cores |",
             "|---|---|---|---|---|---|---|---|"]
    model = components_model(small, large, sellers, peak)
    for r in model:
        lines.append(f"| {r['component']} | {r['fixed_mb']} | {r['kb_per_seller']} | {r['sellers_per_gb'] or '—'} | "
                     f"{r['cpu_s_per_seller_day']} | {r['sellers_per_core'] or '—'} | "
                     f"{r[f'memory_gb_at_{sellers}']} | {r[f'cores_at_{sellers}']} |")
    counted = [r for r in model if r["component"] not in NOT_SIZED]
    lines.append(f"| **total** (without {', '.join(sorted(NOT_SIZED))}) | {sum(r['fixed_mb'] for r in counted):.0f} | "
                 f"{sum(r['kb_per_seller'] for r in counted):.0f} | | | | "
                 f"**{sum(r[f'memory_gb_at_{sellers}'] for r in counted):.1f}** | "
                 f"**{sum(r[f'cores_at_{sellers}'] for r in counted):.2f}** |")
    files = open_files_per_seller(large)
    lines += ["", f"Weaviate open files: {files:.1f} per seller (two tenants: knowledge chunks and curated questions); "
                  f"{sellers:,} active sellers need a file limit (LimitNOFILE / container nofile) above "
                  f"{math.ceil(files * sellers / 1000) * 1000:,} plus the server's own."]
    lines += ["", f"| store | KB per seller | KB per seller-day (history) | {sellers:,} sellers after 30 days, GB |",
              "|---|---|---|---|"]
    for r in stores_model(large, sellers):
        lines.append(f"| {r['store']} | {r['kb_per_seller']} | {r['kb_per_seller_day']} | "
                     f"{r[f'gb_at_{sellers}_after_30_days']} |")
    tp = large["throughput"]
    lines += ["", f"Throughput ({large['config']['sellers']} sellers): {tp['webhooks_per_function_core_second']} webhooks "
                  f"per CPU-second of the webhooks function, {tp['decisions_per_worker_core_second']} replies/drafts per "
                  f"CPU-second of the worker ({large['llm']})."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load.capacity", description=__doc__.splitlines()[0])
    parser.add_argument("small", type=Path)
    parser.add_argument("large", type=Path)
    parser.add_argument("--sellers", type=int, default=10000, help="the deployment size to size for")
    parser.add_argument("--peak", type=float, default=PEAK, help="peak hour / average busy hour")
    parser.add_argument("--json", action="store_true", help="print the model as JSON instead of Markdown")
    args = parser.parse_args()
    small, large = (json.loads(p.read_text()) for p in (args.small, args.large))
    if small["config"]["sellers"] >= large["config"]["sellers"]:
        parser.error("give the smaller run first")
    if args.json:
        print(json.dumps({"components": components_model(small, large, args.sellers, args.peak),
                          "weaviate_open_files_per_seller": open_files_per_seller(large),
                          "stores": stores_model(large, args.sellers)}, indent=2))
    else:
        print(markdown(small, large, args.sellers, args.peak))


if __name__ == "__main__":
    main()
