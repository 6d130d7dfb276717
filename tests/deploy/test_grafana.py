"""deploy/grafana/bokai.json is a valid dashboard that queries only metrics the components export.

Our own metrics (bokai_*) are checked against what a running worker (WORKER_METRICS=1, its
exporter port) and a running function (/metrics) actually serve, the watchdog's (http_*) against
a running of-watchdog; the OpenFaaS gateway's and dramatiq's are read from their sources as
installed here (the gateway's Go module, pinned through scripts/go-tools, and dramatiq's
Prometheus middleware). Only vLLM, which the local stack does not run, keeps a list.
"""

from __future__ import annotations

import asyncio
import importlib.util
import json
import os
import re
import subprocess
import sys

import httpx
import pytest

from shared.channels.tables import ChannelAccount
from shared.conversations.handoff import leave_for_human
from shared.tenancy.db import tenant_tx
from tests.deploy.project import ROOT
from tests.deploy.watchdog import start_watchdog
from tests.support import free_port, serve
from tests.tenancy.seed import seed_tenant

# vLLM /metrics (docs.vllm.ai "Production Metrics", V1 engine): production serves replies with
# vLLM, the local stack with llama-cpp, so these names cannot be read from anything installed here.
VLLM_METRICS = {
    "vllm:num_requests_running", "vllm:num_requests_waiting", "vllm:kv_cache_usage_perc",
    "vllm:time_to_first_token_seconds", "vllm:e2e_request_latency_seconds",
    "vllm:prompt_tokens_total", "vllm:generation_tokens_total",
}
_PROMETHEUS_OPTS = re.compile(r"prometheus\.\w+Opts\{(.*?)\n\s*\}", re.S)
_OPTS_FIELD = re.compile(r'\b(Namespace|Subsystem|Name):\s*"([^"]*)"')


def names_in_go_source(source: str) -> set[str]:
    """Metric names a Go file defines with prometheus.*Opts{Namespace, Subsystem, Name}."""
    names = set()
    for opts in _PROMETHEUS_OPTS.findall(source):
        fields = dict(_OPTS_FIELD.findall(opts))
        names.add("_".join(fields[k] for k in ("Namespace", "Subsystem", "Name") if fields.get(k)))
    return names


def openfaas_gateway_metrics() -> set[str]:
    """From the OpenFaaS gateway's own source (gateway/metrics/metrics.go) in the Go module cache:
    scripts/go-tools/go.mod pins it (faas-cli depends on it), so `scripts/stack up` downloads it."""
    version = re.search(r"github\.com/openfaas/faas/gateway (\S+)",
                        (ROOT / "scripts" / "go-tools" / "go.mod").read_text()).group(1)
    go = subprocess.run(["go", "env", "GOMODCACHE"], capture_output=True, text=True)
    cache = go.stdout.strip() if go.returncode == 0 and go.stdout.strip() else os.path.expanduser("~/go/pkg/mod")
    source = os.path.join(cache, f"github.com/openfaas/faas/gateway@{version}", "metrics", "metrics.go")
    assert os.path.exists(source), f"{source} missing: scripts/stack up installs faas-cli and its modules"
    with open(source) as handle:
        return names_in_go_source(handle.read())


def dramatiq_metrics() -> set[str]:
    """From the installed dramatiq's Prometheus middleware (the worker's exporter, port 9191)."""
    with open(importlib.util.find_spec("dramatiq.middleware.prometheus").origin) as handle:
        return set(re.findall(r'prom\.(?:Counter|Gauge|Histogram|Summary)\(\s*"([^"]+)"', handle.read()))


def external_metrics() -> set[str]:
    return openfaas_gateway_metrics() | dramatiq_metrics() | VLLM_METRICS


def dashboard_metrics() -> set[str]:
    # Histograms are queried as <name>_bucket; names that end so by themselves stay whole.
    known = external_metrics()
    dashboard = json.loads((ROOT / "deploy" / "grafana" / "bokai.json").read_text())
    exprs = [t["expr"] for panel in dashboard["panels"] for t in panel["targets"]]
    assert exprs and len({p["id"] for p in dashboard["panels"]}) == len(dashboard["panels"])
    used = set()
    for expr in exprs:
        # every selector carries a label matcher, so a metric name is what stands before "{"
        names = re.findall(r"([a-zA-Z_:][a-zA-Z0-9_:]*)\{", expr)
        assert names, expr
        used |= {n if n in known else re.sub(r"_(bucket|sum|count)$", "", n) for n in names}
    return used


def exported_names(exposition: str) -> set[str]:
    """Metric families on a scrape page (histogram/counter sample suffixes folded into the family)."""
    names = set(re.findall(r"^# TYPE (\S+) ", exposition, flags=re.M))
    samples = set(re.findall(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)[{ ]", exposition, flags=re.M))
    return names | {re.sub(r"_(bucket|sum|count|total|created)$", "", n) for n in samples} | samples


def test_dashboard_queries_only_known_metrics_and_covers_every_component():
    used = dashboard_metrics()
    # bokai_* and http_* are checked against running processes below.
    others = {n for n in used if not n.startswith(("bokai_", "http_"))}
    assert others <= external_metrics(), sorted(others - external_metrics())
    families = {name.split("_")[0].split(":")[0] for name in used}
    assert {"gateway", "http", "dramatiq", "vllm", "bokai"} <= families, "one panel group per component"


@pytest.mark.integration
async def test_our_panels_query_metrics_the_running_worker_and_function_serve(tmp_path, db_pool):
    from functions.health.handler import app as health_app

    # Something for the per-reason and per-platform gauges to count.
    seller = await seed_tenant("grafana")
    await leave_for_human(seller.tenant_id, seller.rows["messages"], "complaint")
    # A connected polled account, so the per-platform sync-lag gauge has a series whatever ran before.
    async with tenant_tx(seller.tenant_id):
        await ChannelAccount.update({ChannelAccount.status: "connected"}).where(
            ChannelAccount.id == seller.rows["channel_accounts"])
    port, ready = free_port(), tmp_path / "ready"
    worker = subprocess.Popen(
        [sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1", "--threads", "1", "--queues", "probe"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "WORKER_READY_FILE": str(ready), "WORKER_METRICS": "1",
             "dramatiq_prom_host": "127.0.0.1", "dramatiq_prom_port": str(port),
             "dramatiq_prom_db": str(tmp_path / "prom"), "BROKER_MAINTENANCE_INTERVAL_SECONDS": "1"})
    try:
        async with serve(health_app) as function:
            await function.get("/")
            function_page = (await function.get("/metrics")).text
        worker_page = ""
        async with httpx.AsyncClient(timeout=2) as client:
            for _ in range(150):  # the supervisor refreshes the system gauges every second here
                try:
                    worker_page = (await client.get(f"http://127.0.0.1:{port}/")).text
                except httpx.TransportError:
                    pass
                if "bokai_conversations_waiting_for_human{" in worker_page:
                    break
                await asyncio.sleep(0.2)
    finally:
        worker.terminate()
        stderr = worker.communicate(timeout=60)[1]
    assert "bokai_conversations_waiting_for_human{" in worker_page, stderr[-3000:]
    assert 'route="/"' in function_page and 'function="health"' in function_page
    exported = exported_names(function_page) | exported_names(worker_page)
    ours = {n for n in dashboard_metrics() if n.startswith("bokai_")}
    assert ours and ours <= exported, sorted(ours - exported)
    assert 'reason="complaint"' in worker_page


@pytest.mark.integration
def test_watchdog_panels_query_metrics_a_running_of_watchdog_serves(tmp_path):
    """The watchdog's names (http_*) come from the real binary (tests/deploy/watchdog.py), not from the list."""
    queried = {n for n in dashboard_metrics() if n.startswith("http_")}
    watchdog = start_watchdog("health", tmp_path)
    try:
        assert httpx.get(watchdog.url + "/_/live", timeout=5).status_code == 200  # the histogram gets samples
        page = httpx.get(f"http://127.0.0.1:{watchdog.ports.metrics}/metrics", timeout=5).text
    finally:
        watchdog.stop()
    assert queried, "the dashboard has watchdog panels"
    assert queried <= exported_names(page), sorted(queried - exported_names(page))


def test_gateway_names_are_read_from_the_go_source():
    # The reader itself: names joined from their parts, a bare Name kept, nothing else picked up.
    source = '''
    a := prometheus.NewCounterVec(prometheus.CounterOpts{
            Namespace: "gateway",
            Subsystem: "function",
            Name:      "invocation_total",
    }, []string{"code"})
    b := prometheus.NewHistogramVec(prometheus.HistogramOpts{
            Name: "gateway_functions_seconds",
            Help: "Name: \\"not_this\\"",
    }, nil)
    '''
    assert names_in_go_source(source) == {"gateway_function_invocation_total", "gateway_functions_seconds"}
    assert {"gateway_function_invocation_total", "gateway_service_count"} <= openfaas_gateway_metrics()
