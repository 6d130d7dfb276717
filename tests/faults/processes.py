"""The fault stack's own processes: a worker per priority class and the webhooks function, each kept
running by a restart loop — what Kubernetes' restartPolicy: Always (or systemd Restart=always) does in production.
Nothing here restarts a process that is alive; "no manual restart" means nobody else does either."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]


# Kubernetes' worker liveness probe (deploy/k8s/worker.yaml): the file older than 2 minutes.
LIVENESS_MAX_AGE_SECONDS = 120


class Supervised:
    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path,
                 liveness: Path | None = None) -> None:
        self.name, self.argv, self.env = name, argv, env
        self.log = log_dir / f"faults-{name}.log"
        self.process: subprocess.Popen | None = None
        self.restarts = 0
        # The liveness probe, when the process has one: restarts it like the kubelet would.
        self.liveness = liveness
        self.liveness_kills = 0
        self.liveness_max_age = 0.0
        self._stopping = False
        self._task: asyncio.Task | None = None

    def _spawn(self) -> None:
        if self.liveness is not None:
            self.liveness.unlink(missing_ok=True)
        with self.log.open("a") as log:
            log.write(f"--- start {time.strftime('%H:%M:%S')}\n")
            log.flush()
            self.process = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, start_new_session=True,
                                            stdout=log, stderr=subprocess.STDOUT)

    async def _keep_running(self) -> None:
        while not self._stopping:
            if self.process is None or self.process.poll() is not None:
                if self.process is not None:
                    self.restarts += 1
                    await asyncio.sleep(1.0)  # the orchestrator's restart delay
                    if self._stopping:
                        return
                self._spawn()
            self._probe_liveness()
            await asyncio.sleep(0.2)

    def _probe_liveness(self) -> None:
        if self.liveness is None or not self.liveness.exists():
            return  # still booting (the probe's initialDelaySeconds)
        age = time.time() - self.liveness.stat().st_mtime
        self.liveness_max_age = max(self.liveness_max_age, age)
        if age > LIVENESS_MAX_AGE_SECONDS and self.process is not None and self.process.poll() is None:
            self.liveness_kills += 1
            self.kill()
            self.liveness.unlink(missing_ok=True)

    def start(self) -> None:
        self._spawn()
        self._task = asyncio.create_task(self._keep_running())

    def kill(self) -> None:
        """SIGKILL the whole process group (the dramatiq parent and its worker processes)."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)

    async def stop(self) -> None:
        self._stopping = True
        if self._task is not None:
            await self._task
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                await asyncio.to_thread(self.process.wait, 30)
            except subprocess.TimeoutExpired:
                self.kill()
                await asyncio.to_thread(self.process.wait, 10)


class Workers:
    """One supervised worker per priority class (as deploy/k8s runs them), handled as one: a kill
    SIGKILLs every class's worker at once."""

    def __init__(self, env: dict[str, str], log_dir: Path, ready_dir: Path) -> None:
        from shared.queue_classes import QUEUE_CLASSES, worker_args

        self.ready_files = [ready_dir / f"faults-worker-{name}.ready" for name in QUEUE_CLASSES]
        self.members = [
            Supervised(f"worker-{name}", [sys.executable, "-m", "dramatiq", "shared.worker", "--processes", "1",
                                          *worker_args(name)],
                       {**env, "WORKER_READY_FILE": str(ready), "WORKER_LIVENESS_FILE": str(alive)}, log_dir,
                       liveness=alive)
            for name, ready, alive in zip(QUEUE_CLASSES, self.ready_files,
                                          [ready_dir / f"faults-worker-{name}.alive" for name in QUEUE_CLASSES],
                                          strict=True)]
        for ready in self.ready_files:
            ready.unlink(missing_ok=True)

    @property
    def restarts(self) -> int:
        return sum(member.restarts for member in self.members)

    @property
    def liveness_kills(self) -> int:
        return sum(member.liveness_kills for member in self.members)

    def take_liveness_max_age(self) -> float:
        """The oldest the liveness file of any class got since the last call."""
        oldest = max(member.liveness_max_age for member in self.members)
        for member in self.members:
            member.liveness_max_age = 0.0
        return oldest

    def ready(self) -> bool:
        return all(ready.exists() for ready in self.ready_files)

    def start(self) -> None:
        for member in self.members:
            member.start()

    def kill(self) -> None:
        for member in self.members:
            member.kill()

    async def stop(self) -> None:
        await asyncio.gather(*(member.stop() for member in self.members))


def worker(env: dict[str, str], log_dir: Path, ready_dir: Path) -> Workers:
    return Workers(env, log_dir, ready_dir)


def webhooks(env: dict[str, str], log_dir: Path, port: int) -> Supervised:
    return Supervised("webhooks", [sys.executable, "-m", "uvicorn", "functions.webhooks.handler:app",
                                   "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                      env, log_dir)


async def wait_http(url: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while time.monotonic() < deadline:
            try:
                if (await client.get(url)).status_code < 500:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


def stack(*args: str) -> None:
    """scripts/stack on the fault stack (BOKAI_STATE_DIR and the *_PORT variables are in the environment)."""
    subprocess.run([str(ROOT / "scripts" / "stack"), *args], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
