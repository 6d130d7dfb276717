"""The load test at a tiny size against the real servers: every route answers, no message is lost.

``python -m bench.load`` runs as a user runs it (its own functions under the real of-watchdog, its
gateway and a Dramatiq worker answering through the stub LLM, on this test run's database), with 3
sellers for 12 s. Every customer message accepted by the webhook must end with a reply or draft
written by the worker — a message the pipeline drops, or one still waiting after the drain, fails the
test — and every route must have been exercised without a single error.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.integration


def test_three_sellers_every_route_answers_and_every_message_gets_a_draft(tmp_path):
    out = tmp_path / "load.json"
    completed = subprocess.run(
        [sys.executable, "-m", "bench.load", "--sellers", "3", "--minutes", "0.2", "--api-sellers", "1",
         "--messages-per-day", "10", "--searches-per-day", "6", "--drain-seconds", "30", "--stub-delay-ms", "50",
         "--json", str(out)],
        cwd=ROOT, env=os.environ, capture_output=True, text=True, timeout=170)
    assert out.exists(), completed.stdout + completed.stderr[-4000:]
    result = json.loads(out.read_text())

    for route, row in result["routes"].items():
        assert row["count"] > 0, f"{route} was never exercised: {result['routes']}"
        assert row["errors"] == 0, f"{route}: {row['error_statuses']}"
    outcomes = result["outcomes"]
    assert outcomes["accepted"] == result["routes"]["webhook"]["count"]
    assert outcomes["pending"] == 0, outcomes
    assert outcomes["kinds"] == {"reply or draft": outcomes["accepted"]}, outcomes
    # The generated drafts came from this run's worker and its stub, not from the stack's worker and
    # model (questions matching a curated answer are answered without the LLM).
    assert set(outcomes["replies_by_model"]) == {"load-stub"}, outcomes
    assert result["queue_lag"]["count"] == outcomes["accepted"]
    assert {"postgres", "redis", "weaviate", "fn-webhooks", "worker"} <= set(result["resources"])
    assert result["sellers_removed"] and result["ok"]
    assert completed.returncode == 0, completed.stderr[-4000:]
