"""Dockerfile.fn without Docker: its source stage, its requirements, its watchdog env, and its fprocess started as-is.

No Docker engine and no of-watchdog build are possible here (docs/deploy.md "What is not tested
here"), so these run the Dockerfile's own text: the shell of the source stage, the Python that picks
requirements, and the fprocess the watchdog would fork, in the /home/app layout the image gets.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import tomllib
from pathlib import Path

import httpx
import pytest

from tests.deploy.project import ROOT, copy_project, dockerfile_stages, faas_cli, function_names, stage_env, stage_runs

FUNCTIONS = sorted(function_names())


def run_source_stage(context: Path, dest: Path, function: str) -> Path:
    script = stage_runs("source")[0].replace("/src", str(dest))
    subprocess.run(["sh", "-c", script], cwd=context, env={**os.environ, "FUNCTION": function}, check=True)
    return dest


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.skipif(faas_cli() is None, reason="faas-cli is not built: run `scripts/stack install`")
@pytest.mark.parametrize("function", FUNCTIONS)
def test_both_build_contexts_give_the_same_image_source(function, tmp_path):
    project = copy_project(tmp_path / "repo")
    subprocess.run([str(faas_cli()), "build", "--shrinkwrap", "-f", "stack.yml", "--filter", function],
                   cwd=project, check=True, capture_output=True)
    from_repo = run_source_stage(project, tmp_path / "from-repo", function)
    from_faas_cli = run_source_stage(project / "build" / function, tmp_path / "from-faas-cli", function)
    assert tree(from_repo) == tree(from_faas_cli)
    assert (from_repo / "functions" / function / "handler.py").is_file()
    assert not (from_repo / "functions" / function / "shared").exists()


@pytest.mark.parametrize("stage, key", [("build", "fn-{}"), ("build-worker", "worker")])
def test_build_stages_install_the_pyproject_lists(stage, key):
    code = re.search(r"python -c '([^']*)'", stage_runs(stage)[0]).group(1)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    for function in FUNCTIONS if stage == "build" else [""]:
        listed = subprocess.run([sys.executable, "-c", code, function], cwd=ROOT, check=True,
                                capture_output=True, text=True).stdout.split()
        expected = project["optional-dependencies"][key.format(function)]
        if stage == "build-worker":
            expected = project["dependencies"] + expected
        assert listed == [r.replace(" ", "") for r in expected]


def _seconds(value: str) -> float:
    return float(value.removesuffix("s"))


def test_function_stage_runs_the_app_behind_the_watchdog_as_non_root():
    stages = dockerfile_stages()
    assert list(stages)[-1] == "function", "faas-cli builds the last stage"
    for stage in ("function", "worker"):
        user = [args for instruction, args in stages[stage] if instruction == "USER"]
        assert user and user[-1] not in ("0", "root")
    env = stage_env("function")
    assert env["mode"] == "http"
    argv = env["fprocess"].split(" ")  # the watchdog splits on spaces, no shell
    host, port = argv[argv.index("--host") + 1], argv[argv.index("--port") + 1]
    assert host == "127.0.0.1" and env["upstream_url"] == f"http://127.0.0.1:{port}"
    assert _seconds(env["write_timeout"]) > _seconds(env["exec_timeout"]) <= _seconds(env["read_timeout"])
    assert int(env["max_inflight"]) > 0
    assert env["ready_path"] == "/_/live"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.integration
@pytest.mark.parametrize("function", FUNCTIONS)
def test_fprocess_serves_the_function_from_the_image_layout(function, tmp_path):
    app_dir = run_source_stage(copy_project(tmp_path / "repo"), tmp_path / "home-app", function)
    env = stage_env("function")
    port = _free_port()
    argv = env["fprocess"].replace("${FUNCTION}", function).replace("--port 8000", f"--port {port}").split(" ")
    started = time.perf_counter()
    process = subprocess.Popen(
        argv, cwd=app_dir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(app_dir), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"},
    )
    base = f"http://127.0.0.1:{port}"
    try:
        ready = None
        while ready is None and time.perf_counter() - started < 30 and process.poll() is None:
            try:
                ready = httpx.get(base + env["ready_path"], timeout=1)
            except httpx.TransportError:
                time.sleep(0.1)
        assert ready is not None and ready.status_code == 200, "the app never became ready"
        print(f"\n{function}: fprocess ready in {time.perf_counter() - started:.2f} s")
        assert httpx.get(base + "/schema/openapi.json", timeout=5).status_code == 200
    finally:
        process.terminate()  # what the watchdog's child gets on shutdown
        output = process.communicate(timeout=15)[0]
    # uvicorn re-raises SIGTERM after a graceful shutdown, so -15 with the lifespan finished is clean.
    assert process.returncode in (0, -15) and "Application shutdown complete" in output, output
