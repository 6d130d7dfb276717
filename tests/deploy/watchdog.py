"""Start one function under the real of-watchdog binary, as `scripts/stack` does, on free ports.

The binary is the one `scripts/stack install` builds (scripts/lib/install.sh `of_watchdog_path`); the
environment is `shared.gateway.local.watchdog_env`, i.e. Dockerfile.fn's function stage with local
ports, plus whatever a test overrides (shorter timeouts keep the tests quick).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from shared.gateway.local import FunctionPorts, watchdog_env
from tests.deploy.project import common_sh, tool_cache
from tests.support import free_port

def of_watchdog_binary() -> Path:
    path = tool_cache() / "bin" / f"of-watchdog-{common_sh('OF_WATCHDOG_VERSION')}" / "fwatchdog"
    # scripts/test runs the install step first, so a missing binary is a broken install, not a skip.
    assert path.is_file(), f"{path} is missing: run scripts/stack install"
    return path


@dataclass
class Watchdog:
    function: str
    ports: FunctionPorts
    process: subprocess.Popen
    log: Path
    ready_history: list[int] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.ports.watchdog}"

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def app_pid(self) -> int:
        """The uvicorn process the watchdog forked (its only child)."""
        # Go forks from whichever OS thread runs the goroutine, so the child may sit under any task.
        children = []
        for task in Path(f"/proc/{self.process.pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError, ProcessLookupError):  # a thread that just ended
                children += (task / "children").read_text().split()
        assert len(children) == 1, f"expected one forked app process, found {children}"
        return int(children[0])

    def pause_app(self) -> int:
        """SIGSTOP the app: every request now stays in the app's hands, like a handler hogging its loop."""
        pid = self.app_pid()
        os.kill(pid, signal.SIGSTOP)
        return pid

    def resume_app(self, pid: int) -> None:
        os.kill(pid, signal.SIGCONT)

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        text = httpx.get(f"http://127.0.0.1:{self.ports.metrics}/metrics", timeout=5).text
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}

    def requests_total(self, code: int, method: str = "get") -> float:
        return self.metrics().get(("http_requests_total", (("code", str(code)), ("method", method))), 0.0)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        try:  # the app, should the watchdog have died without taking it along
            os.killpg(self.process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def start_watchdog(function: str, state_dir: Path, *, timeout: float = 60, **overrides: str) -> Watchdog:
    """Start the watchdog and wait until its /_/ready answers 200, recording every answer before it."""
    ports = FunctionPorts(function, free_port(), free_port(), free_port())
    env = watchdog_env(function, ports, state_dir=state_dir, overrides=overrides)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    log = state_dir / f"fn-{function}.log"
    with log.open("wb") as out:
        process = subprocess.Popen([str(of_watchdog_binary())], env=env, stdout=out, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    watchdog = Watchdog(function, ports, process, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, f"the {function} watchdog exited:\n{watchdog.log_text()}"
        try:
            status = httpx.get(watchdog.url + "/_/ready", timeout=2).status_code
        except httpx.TransportError:
            status = 0  # the watchdog itself is not listening yet
        watchdog.ready_history.append(status)
        if status == 200:
            return watchdog
        time.sleep(0.05)
    watchdog.stop()
    raise AssertionError(f"the {function} watchdog was not ready after {timeout}s:\n{watchdog.log_text()}")
