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
- **stores**: Postgres database, Weaviate and MinIO data directories and Redis ``used_memory``, per
  seller at sign-up (setup) and per seller-day of traffic.

What N sellers need = fixed + N × per seller, cores = N / sellers per core (rounded up to a tenth).
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


def components_model(small: dict, large: dict, sellers: int, peak: float) -> list[dict]:
    rows = []
    span = large["config"]["sellers"] - small["config"]["sellers"]
    for name, usage in large["snapshots"]["before"]["components"].items():
        if name not in small["snapshots"]["before"]["components"]:
            continue
        per_seller_mb = (_delta(large, name) - _delta(small, name)) / span
        cpu = large["resources"].get(name, {}).get("cpu_seconds_load", 0.0)
        cpu_per_seller_day = cpu / _seller_days(large)
        per_core = BUSY_SECONDS / (cpu_per_seller_day * peak) if cpu_per_seller_day > 0 else math.inf
        fixed = usage["pss_mb"]
        rows.append({
            "component": name, "fixed_mb": round(fixed, 1), "kb_per_seller": round(per_seller_mb * 1024, 1),
            "sellers_per_gb": round(1024 / per_seller_mb) if per_seller_mb > 0 else None,
            "cpu_s_per_seller_day": round(cpu_per_seller_day, 4),
            "sellers_per_core": round(per_core) if per_core != math.inf else None,
            f"memory_gb_at_{sellers}": round((fixed + max(per_seller_mb, 0) * sellers) / 1024, 2),
            f"cores_at_{sellers}": math.ceil(sellers / per_core * 10) / 10 if per_core != math.inf else 0.0,
        })
    return rows


def stores_model(small: dict, large: dict, sellers: int) -> list[dict]:
    rows = []
    span = large["config"]["sellers"] - small["config"]["sellers"]
    for name in ("postgres_database_mb", "redis_used_memory_mb", "weaviate_dir_mb", "minio_dir_mb"):
        s, l = small["stores"][name], large["stores"][name]
        setup_mb = ((l["after_setup"] - l["before"]) - (s["after_setup"] - s["before"])) / span
        day_mb = (l["after"] - l["after_setup"]) / _seller_days(large)
        rows.append({"store": name, "setup_kb_per_seller": round(setup_mb * 1024, 1),
                     "kb_per_seller_day": round(day_mb * 1024, 1),
                     f"gb_at_{sellers}_after_30_days": round(max(setup_mb + 30 * day_mb, 0) * sellers / 1024, 2)})
    return rows


def markdown(small: dict, large: dict, sellers: int, peak: float) -> str:
    lines = [f"| component | fixed MB (PSS) | KB per seller | sellers per GB | CPU s per seller-day | "
             f"sellers per core (peak ×{peak:g}) | {sellers:,} sellers: memory GB | {sellers:,} sellers: cores |",
             "|---|---|---|---|---|---|---|---|"]
    for r in components_model(small, large, sellers, peak):
        lines.append(f"| {r['component']} | {r['fixed_mb']} | {r['kb_per_seller']} | {r['sellers_per_gb'] or '—'} | "
                     f"{r['cpu_s_per_seller_day']} | {r['sellers_per_core'] or '—'} | "
                     f"{r[f'memory_gb_at_{sellers}']} | {r[f'cores_at_{sellers}']} |")
    lines += ["", f"| store | KB per seller at sign-up | KB per seller-day of traffic | {sellers:,} sellers after 30 days, GB |",
              "|---|---|---|---|"]
    for r in stores_model(small, large, sellers):
        lines.append(f"| {r['store']} | {r['setup_kb_per_seller']} | {r['kb_per_seller_day']} | "
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
                          "stores": stores_model(small, large, args.sellers)}, indent=2))
    else:
        print(markdown(small, large, args.sellers, args.peak))


if __name__ == "__main__":
    main()
