"""scripts/stack runs two embedding servers: background work and a person waiting, the background one
yielding the cores to the other (scripts/lib/services.sh start_embeddings)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _free_pair() -> int:
    # Below Linux's ephemeral range (32768+): a busy machine's outgoing connections never hold these.
    for port in range(24100, 32000, 7):
        try:
            with socket.socket() as a, socket.socket() as b:
                a.bind(("127.0.0.1", port))
                b.bind(("127.0.0.1", port + 1))
            return port
        except OSError:
            continue
    raise RuntimeError("no two free ports")


def _stack(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / "scripts" / "stack"), *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=150)


def _server_pid(port: int) -> int:
    for line in subprocess.run(["ss", "-ltnpH", f"sport = :{port}"], capture_output=True, text=True,
                               check=True).stdout.splitlines():
        return int(line.split("pid=")[1].split(",")[0])
    raise AssertionError(f"nothing listens on {port}")


def _nice(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[16])


def _environment(pid: int) -> dict[str, str]:
    pairs = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(pair.decode().split("=", 1) for pair in pairs if b"=" in pair)


@pytest.mark.skipif(not Path("/proc/self/autogroup").exists(), reason="Linux autogroup scheduling only")
def test_stack_starts_both_servers_in_one_scheduling_group_the_background_one_niced(tmp_path):
    port = _free_pair()
    env = {"BOKAI_STATE_DIR": str(tmp_path), "EMBEDDINGS_PORT": str(port)}
    try:
        started = _stack("start", "embeddings", env=env)
        assert started.returncode == 0, started.stderr
        again = _stack("start", "embeddings", env=env)  # idempotent: both already answer
        assert again.returncode == 0 and "already running" in again.stdout, again.stdout + again.stderr
        for served in (port, port + 1):
            response = httpx.post(f"http://127.0.0.1:{served}/v1/embeddings", timeout=60,
                                  json={"model": "e5-query", "input": ["Czy mogę zwrócić towar?"]})
            assert len(response.json()["data"][0]["embedding"]) == 384
        background, interactive = _server_pid(port), _server_pid(port + 1)
        group = Path(f"/proc/{interactive}/autogroup").read_text().split()[0]
        assert Path(f"/proc/{background}/autogroup").read_text().split()[0] == group
        assert (_nice(background), _nice(interactive)) == (10, 0)
        # Threads that spin at OpenMP barriers burn shared cores while a sibling is preempted.
        assert [_environment(pid).get("OMP_WAIT_POLICY") for pid in (background, interactive)] == ["PASSIVE"] * 2
        status = _stack("status", env=env).stdout
        assert any(line.split()[:2] == ["embeddings-interactive", "up"] for line in status.splitlines()), status
    finally:
        stopped = _stack("stop", "embeddings", env=env)
    assert stopped.returncode == 0, stopped.stderr
    for served in (port, port + 1):
        with socket.socket() as probe:
            assert probe.connect_ex(("127.0.0.1", served)) != 0, f"port {served} still served after stop"
