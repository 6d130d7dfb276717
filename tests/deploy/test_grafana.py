"""deploy/grafana/bokai.json is a valid dashboard that queries only metrics the components export."""

from __future__ import annotations

import json
import re

import httpx
import pytest

from tests.deploy.project import ROOT
from tests.deploy.watchdog import start_watchdog

# Names as the components define them (histograms are queried as <name>_bucket):
KNOWN_METRICS = {
    # of-watchdog metrics server, port 8081 (openfaas/of-watchdog metrics/metrics.go)
    "http_requests_total", "http_request_duration_seconds", "http_requests_in_flight",
    # OpenFaaS gateway (openfaas/faas gateway/metrics/metrics.go, exporter.go)
    "gateway_function_invocation_total", "gateway_functions_seconds", "gateway_service_count",
    "gateway_function_invocation_started",
    # dramatiq Prometheus middleware, port 9191 (read from the installed dramatiq/middleware/prometheus.py)
    "dramatiq_messages_total", "dramatiq_message_errors_total", "dramatiq_message_retries_total",
    "dramatiq_message_rejects_total", "dramatiq_messages_inprogress", "dramatiq_delayed_messages_inprogress",
    "dramatiq_message_duration_milliseconds",
    # vLLM /metrics (docs.vllm.ai "Production Metrics", V1 engine)
    "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
    "vllm:time_to_first_token_seconds", "vllm:e2e_request_latency_seconds",
    "vllm:prompt_tokens_total", "vllm:generation_tokens_total",
}


def test_dashboard_queries_only_known_metrics():
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "bokai.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert exprs and len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    used = set()
    for expr in exprs:
        # every selector carries a label matcher, so a metric name is what stands before "{"
        names = re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", expr)
        assert names, expr
        used |= {n if n in KNOWN_METRICS else re.sub(r"_(bucket|sum|count)$", "", n) for n in names}
    assert used <= KNOWN_METRICS, used - KNOWN_METRICS
    families = {name.split("_")[0].split(":")[0] for name in used}
    assert {"gateway", "http", "dramatiq", "vllm"} <= families, "one panel group per component"


@pytest.mark.integration
def test_watchdog_panels_query_metrics_a_running_of_watchdog_exports(tmp_path):
    """The watchdog's names come from the real binary (tests/deploy/watchdog.py), not from a list."""
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "bokai.json").read_text())
    queried = {n for panel in dashboard["panels"] for t in panel["targets"]
               for n in re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", t["expr"]) if n.startswith("http_")}
    watchdog = start_watchdog("health", tmp_path)
    try:
        assert httpx.get(watchdog.url + "/_/live", timeout=5).status_code == 200  # histograms get samples
        exported = {name for name, _ in watchdog.metrics()}
    finally:
        watchdog.stop()
    assert queried, "the dashboard has watchdog panels"
    assert queried <= exported, queried - exported
