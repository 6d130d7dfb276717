"""scripts/stack fails fast with one clear line instead of hanging or dumping a trace."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_stack(*args: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ROOT / "scripts" / "stack"), *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=timeout)


def test_port_in_use_is_one_line_naming_port_and_fix(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_stack("start", "redis", env={"BOKAI_STATE_DIR": str(tmp_path), "REDIS_PORT": str(port)})
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert f"127.0.0.1:{port} is already in use" in lines[0] and "REDIS_PORT=" in lines[0]


def test_unknown_command_and_component_are_refused(tmp_path):
    env = {"BOKAI_STATE_DIR": str(tmp_path)}
    for args in (["frobnicate"], ["start", "mysql"]):
        result = run_stack(*args, env=env)
        assert result.returncode == 1 and result.stderr.count("\n") == 1, result.stderr
        assert result.stderr.startswith("error: unknown")


def test_status_reports_every_component(tmp_path):
    result = run_stack("status", env={"BOKAI_STATE_DIR": str(tmp_path), "PG_PORT": "1", "REDIS_PORT": "1"})
    assert result.returncode == 0
    for name in ("postgres", "redis", "minio", "weaviate", "embeddings", "llm", "worker", "gateway"):
        assert any(line.split()[:1] == [name] for line in result.stdout.splitlines()), result.stdout


def test_help_lists_every_command(tmp_path):
    result = run_stack("--help", env={"BOKAI_STATE_DIR": str(tmp_path)})
    assert result.returncode == 0 and result.stderr == ""
    for command in ("up", "up --servers-only", "down", "status", "install", "migrate", "logs NAME", "restart"):
        assert f"scripts/stack {command}" in result.stdout or command in result.stdout, command
