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
    for command in ("up", "up --servers-only", "down", "status", "install", "migrate", "logs NAME", "restart", "demo"):
        assert f"scripts/stack {command}" in result.stdout or command in result.stdout, command


def _free_port_range(size: int) -> int:
    """A base port with `size` free ports above it, and +100/+200 (the function port plan)."""
    # Below Linux's ephemeral range (32768+): a busy machine's outgoing connections never hold these.
    for base in range(21100, 32000, 300):
        ports = [base + offset + i for offset in (0, 100, 200) for i in range(size)]
        free = True
        for port in ports:
            with socket.socket() as s:
                try:
                    s.bind(("127.0.0.1", port))
                except OSError:
                    free = False
                    break
        if free:
            return base
    raise RuntimeError("no free port range")


def test_a_function_that_cannot_start_ends_with_one_line_naming_it_and_its_log(tmp_path):
    # The real env of this test run, except a malformed pool size: the apps opening the database fail
    # their lifespan startup (SettingsError), so uvicorn exits and so does its watchdog.
    skip = ("DATABASE_POOL_MAX_SIZE", "GATEWAY_PORT", "FUNCTION_PORT_BASE", "PATH", "HOME")
    env_text = "\n".join(f"{k}={v}" for k, v in os.environ.items()
                         if k.isupper() and "\n" not in v and " " not in v and k not in skip)
    (tmp_path / "env").write_text(env_text + "\nDATABASE_POOL_MAX_SIZE=ten\n")
    env = {"BOKAI_STATE_DIR": str(tmp_path), "FUNCTION_PORT_BASE": str(_free_port_range(20)),
           "GATEWAY_PORT": str(_free_port_range(1) + 99)}
    try:
        result = run_stack("start", "gateway", env=env, timeout=180)
    finally:
        run_stack("stop", "gateway", env=env, timeout=120)
    assert result.returncode == 1
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith("error: function ") and "exited during start-up; full log: " in last, result.stderr
    name = last.split()[2]
    log = tmp_path / "logs" / f"fn-{name}.log"
    assert str(log) in last and "Application startup failed" in log.read_text()
    assert not list((tmp_path / "run").glob("fn-*.pid")), "the functions started by the failed attempt are stopped"


def spawn_twice(tmp_path: Path, max_bytes: int | None = None) -> Path:
    """scripts/lib/common.sh's spawn, as `scripts/stack start worker` uses it, run twice for one name."""
    (tmp_path / "logs").mkdir(exist_ok=True)
    (tmp_path / "run").mkdir(exist_ok=True)
    script = ('source "$1"; for word in first second; do spawn demo sh -c "echo $word"; '
              'while kill -0 "$(cat "$(pid_file demo)")" 2>/dev/null; do sleep 0.05; done; done')
    env = {**os.environ, "BOKAI_STATE_DIR": str(tmp_path)}
    if max_bytes is not None:
        env["SPAWN_LOG_MAX_BYTES"] = str(max_bytes)
    subprocess.run(["bash", "-c", script, "spawn-test", str(ROOT / "scripts" / "lib" / "common.sh")],
                   env=env, check=True, timeout=30)
    return tmp_path / "logs" / "demo.log"


def test_a_restart_appends_to_the_log_instead_of_truncating_it(tmp_path):
    log = spawn_twice(tmp_path).read_text()
    assert "first" in log and "second" in log and log.index("first") < log.index("second")
    assert log.count("--- start ") == 2


def test_a_log_past_its_size_limit_moves_aside_at_the_next_start(tmp_path):
    log = spawn_twice(tmp_path, max_bytes=10)
    assert "second" in log.read_text() and "first" not in log.read_text()
    assert "first" in (tmp_path / "logs" / "demo.log.1").read_text()
