"""Where the load goes: a deployment slice of this run (default) or the running stack as it is.

**own** (default): the functions the load needs, each under the real of-watchdog with Dockerfile.fn's
environment (``shared.gateway.local.watchdog_env``, as ``scripts/stack`` starts them), the local
gateway in front of them (``python -m shared.gateway --watchdogs``), a Dramatiq worker per priority
class (``dramatiq shared.worker --queues …``, ``shared.queue_classes``; measured together as "worker") and, with ``--llm stub``, the stub OpenAI server — all on free loopback
ports, on the stack's servers and database, but in a Redis broker namespace of this run. The
functions enqueue into that namespace, so only this run's worker takes the jobs: the stack's worker
(and its LLM) is untouched, and the worker's LLM can be the stub. The run's namespace keys are
removed at the end.

**stack**: the running stack's gateway, functions and worker (and so its LLM, SmolLM2). Nothing
is started; the AI replies cost what the local model costs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from bench.load.resources import stack_app_pids
from bench.load.stub_llm import STUB_MODEL
from shared.gateway.local import port_plan, watchdog_env

ROOT = Path(__file__).resolve().parents[2]
STATE_DIR = ROOT / ".state"
# The functions a seller's day touches: sign-up, channel, inbox, knowledge base, the shop's webhooks.
FUNCTIONS = ("auth", "channels", "conversations", "kb", "webhooks")
START_TIMEOUT = 120.0


@dataclass
class Deployment:
    kind: str  # "own" | "stack"
    base_url: str
    llm: str  # what answers the AI replies, for the report
    namespace: str
    # Processes of the deployment by component (their trees are measured), e.g. "fn-webhooks".
    components: dict[str, list[int]] = field(default_factory=dict)
    _processes: list[subprocess.Popen] = field(default_factory=list)
    _logs: list = field(default_factory=list)

    def stop(self, grace_seconds: float = 15.0) -> None:
        """SIGTERM to every process at once (a watchdog passes it on to its uvicorn, as in production);
        whatever of a process group still runs after ``grace_seconds`` is killed."""
        for process in self._processes:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + grace_seconds
        while any(p.poll() is None for p in self._processes) and time.monotonic() < deadline:
            time.sleep(0.1)
        names = {pids[0]: name for name, pids in self.components.items()}
        for process in self._processes:
            if process.poll() is None:
                print(f"{names.get(process.pid, process.pid)} did not stop within {grace_seconds:g}s: killed",
                      file=sys.stderr)
            _signal_group(process, signal.SIGKILL)  # whatever of its group outlived it (uvicorn, dramatiq's forks)
            process.wait(timeout=10)
        for log in self._logs:
            log.close()
        self._processes.clear()


def _signal_group(process: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(process.pid, sig)
    except ProcessLookupError:
        pass


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def free_port_base(count: int) -> int:
    """A FUNCTION_PORT_BASE below the ephemeral range whose watchdog/metrics/app ports are all free."""
    for base in range(20000, 32000 - 300, 500):
        ports = [base + offset + i for offset in (0, 100, 200) for i in range(count)]
        if all(_port_free(p) for p in ports):
            return base
    raise RuntimeError("no free block of function ports between 20000 and 32000")


def _wait(what: str, ready, processes: list[subprocess.Popen], logs: list[Path], timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process, log in zip(processes, logs, strict=True):
            if process.poll() is not None:
                raise RuntimeError(f"{what} exited during start-up; log: {log}\n{log.read_text()[-2000:]}")
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} not ready after {timeout:.0f}s; logs: {', '.join(map(str, logs))}")


def _http_ok(url: str) -> bool:
    try:
        return httpx2.get(url, timeout=2).status_code == 200
    except httpx2.HTTPError:
        return False


def of_watchdog_binary() -> Path:
    from tests.deploy.watchdog import of_watchdog_binary as built  # the one scripts/stack install builds

    return built()


def stack_deployment() -> Deployment:
    port = os.environ.get("GATEWAY_PORT", "8080")
    base_url = f"http://127.0.0.1:{port}"
    if not _http_ok(f"{base_url}/healthz"):
        raise RuntimeError(f"no gateway on {base_url}: `scripts/stack up` (or use --deployment own)")
    return Deployment("stack", base_url, f"the stack's worker and LLM ({os.environ.get('LLM_MODEL', '?')})",
                      os.environ.get("REDIS_BROKER_NAMESPACE", "dramatiq"), stack_app_pids(STATE_DIR))


def own_deployment(run_dir: Path, namespace: str, *, llm: str, stub_delay_ms: float,
                   worker_processes: int, worker_threads: int | None) -> Deployment:
    """Start the slice described in the module docstring; on any failure what started is stopped."""
    deployment = Deployment("own", "", "", namespace)
    try:
        _start(deployment, run_dir, llm=llm, stub_delay_ms=stub_delay_ms,
               worker_processes=worker_processes, worker_threads=worker_threads)
    except BaseException:
        deployment.stop()
        raise
    return deployment


def _spawn(deployment: Deployment, name: str, argv: list[str], env: dict[str, str], run_dir: Path) -> tuple[subprocess.Popen, Path]:
    log_path = run_dir / f"{name}.log"
    log = log_path.open("wb")
    process = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deployment._processes.append(process)
    deployment._logs.append(log)
    deployment.components[name] = [process.pid]
    return process, log_path


def _start(deployment: Deployment, run_dir: Path, *, llm: str, stub_delay_ms: float,
           worker_processes: int, worker_threads: int | None) -> None:
    base_env = {**os.environ, "REDIS_BROKER_NAMESPACE": deployment.namespace}
    waits: list[tuple[str, object, subprocess.Popen, Path]] = []
    worker_env = dict(base_env)
    if llm == "stub":
        port = free_port()
        process, log = _spawn(deployment, "stub-llm", [sys.executable, "-m", "bench.load.stub_llm", "--port", str(port),
                                                       "--delay-ms", str(stub_delay_ms)], base_env, run_dir)
        waits.append(("stub LLM", lambda p=port: _http_ok(f"http://127.0.0.1:{p}/v1/models"), process, log))
        worker_env.update(LLM_BASE_URL=f"http://127.0.0.1:{port}/v1", LLM_MODEL=STUB_MODEL,
                          LLM_STRONG_BASE_URL="", LLM_STRONG_MODEL="")
        deployment.llm = f"stub OpenAI server answering in {stub_delay_ms:g} ms (model {STUB_MODEL})"
    else:
        deployment.llm = f"the stack's LLM server ({os.environ.get('LLM_MODEL', '?')})"

    base = free_port_base(len(FUNCTIONS))
    plan = port_plan(base, list(FUNCTIONS))
    watchdog = str(of_watchdog_binary())
    # Every simulated seller signs up from 127.0.0.1: the per-address registration limit (10/hour)
    # is raised for this run's own auth function only.
    function_env = {**base_env, "AUTH_REGISTER_MAX_PER_IP": "1000000"}
    for name, ports in plan.items():
        env = watchdog_env(name, ports, state_dir=run_dir, base_env=function_env)
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        process, log = _spawn(deployment, f"fn-{name}", [watchdog], env, run_dir)
        waits.append((f"function {name}", lambda p=ports.watchdog: _http_ok(f"http://127.0.0.1:{p}/_/ready"), process, log))

    gateway_port = free_low_port()
    process, log = _spawn(deployment, "gateway", [
        sys.executable, "-m", "shared.gateway", "--watchdogs", "--only", *FUNCTIONS,
        "--host", "127.0.0.1", "--port", str(gateway_port)], {**base_env, "FUNCTION_PORT_BASE": str(base)}, run_dir)
    deployment.base_url = f"http://127.0.0.1:{gateway_port}"
    waits.append(("gateway", lambda: _http_ok(f"{deployment.base_url}/healthz"), process, log))

    from shared.queue_classes import QUEUE_CLASSES, worker_args

    for name in QUEUE_CLASSES:
        ready_file = run_dir / f"worker-{name}.ready"
        process, log = _spawn(deployment, f"worker-{name}", [
            sys.executable, "-m", "dramatiq", "shared.worker", "--processes", str(worker_processes),
            *worker_args(name, worker_threads)], {**worker_env, "WORKER_READY_FILE": str(ready_file)}, run_dir)
        waits.append((f"worker {name}", ready_file.exists, process, log))
        deployment.components.setdefault("worker", []).extend(deployment.components.pop(f"worker-{name}"))

    for what, ready, process, log in waits:
        _wait(what, ready, [process], [log])


def free_low_port() -> int:
    """A free port for the gateway, below the ephemeral range (like every local server)."""
    for port in range(19500, 20000):
        if _port_free(port):
            return port
    return free_port()


def drop_namespace(namespace: str) -> int:
    """Remove this run's broker keys (queues of jobs nobody will take any more)."""
    from shared.infra.redis import RedisSettings, make_sync_redis
    from shared.settings import load

    client = make_sync_redis(load(RedisSettings))
    keys = list(client.scan_iter(match=f"{namespace}:*", count=1000))
    if keys:
        client.delete(*keys)
    return len(keys)
