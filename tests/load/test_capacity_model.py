"""The capacity model's arithmetic on two made-up runs whose answers are known by hand."""

from __future__ import annotations

import pytest

from bench.load.capacity import components_model, markdown, open_files_per_seller, stores_model


def _run(sellers: int, day_fraction: float, weaviate_mb: tuple[float, float], worker_mb: tuple[float, float],
         cpu: dict[str, float]) -> dict:
    def snapshot(i: int) -> dict:
        return {"components": {"weaviate": {"pss_mb": weaviate_mb[i]}, "worker": {"pss_mb": worker_mb[i]}}}

    mb = {"before": 100.0, "after_setup": 100.0 + sellers / 1024, "after": 100.0 + sellers / 1024}
    return {
        "config": {"sellers": sellers, "day_fraction": day_fraction},
        "snapshots": {"before": snapshot(0), "after_drain": snapshot(1)},
        "resources": {"weaviate": {"cpu_seconds_load": cpu["weaviate"], "open_files_before": 10_000,
                                   "open_files_after_setup": 10_000 + 19 * sellers},
                      "worker": {"cpu_seconds_load": cpu["worker"], "open_files_before": 30,
                                 "open_files_after_setup": 40}},
        "stores": {name: mb for name in ("weaviate_dir_mb", "minio_dir_mb", "redis_used_memory_mb")},
        "postgres_rows": {"tables": {
            "channel_accounts": {"row_bytes": 1024 * sellers, "index_bytes_estimate": 0},
            "messages": {"row_bytes": 40 * 1024 * sellers * day_fraction, "index_bytes_estimate": 20 * 1024 * sellers * day_fraction},
        }},
        "throughput": {"webhooks_per_function_core_second": 190.0, "decisions_per_worker_core_second": 29.0},
        "llm": "stub",
    }


SMALL = _run(100, 1.0, weaviate_mb=(400.0, 450.0), worker_mb=(240.0, 330.0), cpu={"weaviate": 30.0, "worker": 70.0})
LARGE = _run(400, 0.25, weaviate_mb=(400.0, 600.0), worker_mb=(240.0, 310.0), cpu={"weaviate": 24.0, "worker": 67.2})


def test_memory_is_the_slope_between_runs_and_cpu_is_per_seller_day_of_the_large_run():
    rows = {r["component"]: r for r in components_model(SMALL, LARGE, 10_000, peak=2.0)}
    weaviate = rows["weaviate"]
    assert weaviate["kb_per_seller"] == pytest.approx(512.0)  # (200 − 50) MB / 300 sellers
    assert weaviate["sellers_per_gb"] == 2048
    assert weaviate["cpu_s_per_seller_day"] == pytest.approx(0.24)  # 24 CPU-s / (400 × 0.25)
    assert weaviate["sellers_per_core"] == 90_000  # 12 h of a core / (0.24 × peak 2)
    assert weaviate["memory_gb_at_10000"] == pytest.approx((400 + 0.5 * 10_000) / 1024, abs=0.01)
    assert weaviate["cores_at_10000"] == pytest.approx(0.11, abs=0.01)
    # The worker grew less with more sellers: no per-seller memory, never a negative one.
    assert rows["worker"]["kb_per_seller"] == 0.0 and rows["worker"]["sellers_per_gb"] is None


def test_postgres_splits_sign_up_rows_from_history_and_open_files_are_per_seller():
    stores = {r["store"]: r for r in stores_model(LARGE, 10_000)}
    postgres = stores["postgres rows (heap + ≈indexes)"]
    assert postgres["kb_per_seller"] == pytest.approx(1.0)  # channel_accounts: 1 KB a seller
    assert postgres["kb_per_seller_day"] == pytest.approx(60.0)  # messages: (40 + 20) KB a seller-day
    assert postgres["gb_at_10000_after_30_days"] == pytest.approx((1 + 30 * 60) * 10_000 / 2**20, abs=0.01)
    assert stores["weaviate data dir"]["kb_per_seller"] == pytest.approx(1.0)
    assert open_files_per_seller(LARGE) == 19.0
    assert "190,000" in markdown(SMALL, LARGE, 10_000, 2.0)
