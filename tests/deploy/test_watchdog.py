"""Every function under the real of-watchdog 0.11.6 (mode=http, Dockerfile.fn's env) against the real servers.

One watchdog per function serves the tests below in order (pytest groups a module-scoped parametrized
fixture by parameter); the last one stops it with SIGTERM. Timeouts are shortened for speed
(exec 2 s, read/write 4 s, healthcheck 1 s) and max_inflight lowered to 2; everything else is the
image's. "A handler past exec_timeout" is made deterministic by SIGSTOP-ing the forked app: it holds
every request it was given, like a handler that blocks its event loop.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.deploy.project import function_names
from tests.deploy.watchdog import Watchdog, start_watchdog

pytestmark = pytest.mark.integration

FUNCTIONS = sorted(function_names())
EXEC_TIMEOUT = 2.0


@pytest.fixture(scope="module", params=FUNCTIONS)
def watchdog(request, tmp_path_factory):
    running = start_watchdog(request.param, tmp_path_factory.mktemp(f"wd-{request.param}"),
                             exec_timeout=f"{EXEC_TIMEOUT:g}s", read_timeout="4s", write_timeout="4s",
                             healthcheck_interval="1s", max_inflight="2")
    yield running
    running.stop()


def _in_background(call) -> tuple[threading.Thread, list]:
    result: list = []
    thread = threading.Thread(target=lambda: result.append(call()), daemon=True)
    thread.start()
    return thread, result


def _wait_in_flight(watchdog: Watchdog, count: int) -> None:
    deadline = time.monotonic() + 5
    while watchdog.metrics().get(("http_requests_in_flight", ()), 0) < count:
        assert time.monotonic() < deadline, f"{count} request(s) never reached the watchdog"
        time.sleep(0.02)


def test_ready_only_once_the_apps_lifespan_started(watchdog: Watchdog):
    # The watchdog was up (its /_/health) before the app: /_/ready proxies to the app's ready_path, and
    # uvicorn binds its port only after the lifespan's startup handlers ran.
    assert watchdog.ready_history[-1] == 200
    assert any(status not in (0, 200) for status in watchdog.ready_history), watchdog.ready_history
    log = watchdog.log_text()
    assert "Application startup complete" in log, log
    assert httpx.get(watchdog.url + "/_/health", timeout=5).status_code == 200
    assert httpx.get(watchdog.url + "/schema/openapi.json", timeout=5).status_code == 200


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of LISTEN sockets on `port` (IPv4 and IPv6), read from /proc/net."""
    found = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, _, hex_port = local.rpartition(":")
            if state == "0A" and int(hex_port, 16) == port:
                found.add(address)
    return found


def test_listens_on_loopback_only(watchdog: Watchdog):
    # 127.0.0.1 as /proc/net/tcp writes it; upstream listens on every interface (scripts/lib/install.sh).
    for port in (watchdog.ports.watchdog, watchdog.ports.metrics, watchdog.ports.app):
        assert _listening_addresses(port) == {"0100007F"}, port


def test_metrics_count_the_requests(watchdog: Watchdog):
    before_ok, before_missing = watchdog.requests_total(200), watchdog.requests_total(404)
    for _ in range(3):
        assert httpx.get(watchdog.url + "/_/live", timeout=5).status_code == 200
    assert httpx.get(watchdog.url + "/no-such-route", timeout=5).status_code == 404
    assert watchdog.requests_total(200) == before_ok + 3
    assert watchdog.requests_total(404) == before_missing + 1
    names = {name for name, _ in watchdog.metrics()}
    assert {"http_requests_total", "http_request_duration_seconds_bucket", "http_requests_in_flight"} <= names


def test_a_request_past_exec_timeout_gets_the_watchdogs_504_and_the_app_survives(watchdog: Watchdog):
    app_pid = watchdog.pause_app()
    try:
        started = time.monotonic()
        response = httpx.get(watchdog.url + "/_/live", timeout=10)
        took = time.monotonic() - started
    finally:
        watchdog.resume_app(app_pid)
    assert response.status_code == 504 and response.headers["X-OpenFaaS-Internal"] == "of-watchdog"
    assert EXEC_TIMEOUT <= took < EXEC_TIMEOUT + 1.5, took
    # Same app process, still serving.
    assert httpx.get(watchdog.url + "/_/live", timeout=5).json() == {"status": "ok"}
    assert watchdog.app_pid() == app_pid and watchdog.process.poll() is None


def test_a_request_over_max_inflight_gets_429_at_once(watchdog: Watchdog):
    app_pid = watchdog.pause_app()
    try:
        held = [_in_background(lambda: httpx.get(watchdog.url + "/_/live", timeout=10)) for _ in range(2)]
        _wait_in_flight(watchdog, 2)
        started = time.monotonic()
        over = httpx.get(watchdog.url + "/_/live", timeout=10)
        took = time.monotonic() - started
    finally:
        watchdog.resume_app(app_pid)
    assert over.status_code == 429 and took < 0.5, (over.status_code, took)
    for thread, result in held:
        thread.join(10)
        # released before exec_timeout: served; otherwise the watchdog's 504 (never a 429)
        assert result and result[0].status_code in (200, 504), result


def test_sigterm_drains_the_requests_in_flight_and_those_accepted_after_it(watchdog: Watchdog):
    # A request the watchdog handed to the (held) app before SIGTERM...
    app_pid = watchdog.pause_app()
    held, held_result = _in_background(lambda: httpx.get(watchdog.url + "/schema/openapi.json", timeout=10))
    _wait_in_flight(watchdog, 1)
    time.sleep(0.2)
    watchdog.process.terminate()  # what Kubernetes/faasd send; the watchdog forwards it to the app at once
    time.sleep(0.3)
    watchdog.resume_app(app_pid)
    # ...and one arriving while the platform still routes to it (before healthcheck_interval ends).
    late = httpx.get(watchdog.url + "/_/live", timeout=10)
    unready = httpx.get(watchdog.url + "/_/ready", timeout=10)
    held.join(10)
    assert held_result and held_result[0].status_code == 200, (held_result, watchdog.log_text())
    assert held_result[0].json()["info"]["title"] == f"BOK-AI {watchdog.function}"
    assert late.status_code == 200, (late.text, watchdog.log_text())
    assert unready.status_code == 503  # its lock file is gone: the platform stops routing to it
    assert watchdog.process.wait(timeout=20) == 0, watchdog.log_text()  # drained, then exited by itself
    with pytest.raises(httpx.TransportError):
        httpx.get(watchdog.url + "/_/live", timeout=2)
