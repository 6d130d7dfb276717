"""stack.yml against the real faas-cli and against the code: every function, its build context, its secrets."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import threading

import pytest

from tests.deploy.project import ROOT, copy_project, faas_cli, function_names, stack

FAAS_CLI = faas_cli()
needs_faas_cli = pytest.mark.skipif(
    FAAS_CLI is None, reason="faas-cli is not built: run `scripts/stack install` (pinned in scripts/go-tools)")


def run_faas_cli(workdir, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    result = subprocess.run([str(FAAS_CLI), *args], cwd=workdir, capture_output=True, text=True, timeout=60,
                            env={**os.environ, **(env or {})})
    assert result.returncode == 0, f"faas-cli {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}"
    return result


def test_stack_lists_exactly_the_functions_on_disk():
    listed = set(stack()["functions"])
    on_disk = function_names()
    assert on_disk - listed == set(), f"functions/ has {sorted(on_disk - listed)} but stack.yml does not list them"
    assert listed - on_disk == set(), f"stack.yml lists {sorted(listed - on_disk)} with no functions/<name>/handler.py"


@pytest.mark.parametrize("name", sorted(stack()["functions"]))
def test_function_entry_builds_and_runs_that_function(name):
    fn = stack()["functions"][name]
    assert fn["lang"] == "bokai-python" and not fn.get("skip_build")
    assert fn["handler"] == f"./functions/{name}"
    assert fn["build_args"] == {"FUNCTION": name}, "Dockerfile.fn picks the module and extra by FUNCTION"
    assert fn["image"].endswith(f"/{name}:${{TAG:-latest}}")
    assert fn["readonly_root_filesystem"] is True
    assert fn["limits"]["memory"] and fn["requests"]["memory"]
    assert fn["annotations"]["com.openfaas.ready.http.path"] == "/_/ready"
    if fn["annotations"].get("topic") == "cron-function":
        assert len(fn["annotations"]["schedule"].split()) == 5


@pytest.mark.parametrize("name", sorted(stack()["functions"]))
def test_secrets_are_read_by_the_function_settings(name, import_probe):
    readable = import_probe(name)["secrets"]
    unknown = [s for s in stack()["functions"][name].get("secrets", []) if s not in readable]
    assert not unknown, f"{name}: no Settings field loaded by the function reads secret(s) {unknown}"


@needs_faas_cli
def test_faas_cli_shrinkwraps_every_function_offline(tmp_path):
    project = copy_project(tmp_path)
    run_faas_cli(project, "build", "--shrinkwrap", "-f", "stack.yml")
    for name in stack()["functions"]:
        context = project / "build" / name
        assert (context / "Dockerfile").read_bytes() == (ROOT / "Dockerfile.fn").read_bytes(), \
            "template/bokai-python/Dockerfile must stay a symlink to Dockerfile.fn"
        function = context / "function"
        assert (function / "handler.py").read_bytes() == (ROOT / "functions" / name / "handler.py").read_bytes()
        for copied in ("shared/settings.py", "piccolo_conf.py", "pyproject.toml", "functions/__init__.py"):
            assert (function / copied).is_file(), f"{name}: build context lacks {copied}"


class _CapturingGateway(http.server.BaseHTTPRequestHandler):
    requests: list[tuple[str, str, dict]] = []

    def _record(self) -> None:
        body = self.rfile.read(int(self.headers.get("content-length") or 0))
        self.requests.append((self.command, self.path, json.loads(body) if body else {}))
        self.send_response(202)
        self.end_headers()

    do_PUT = do_POST = do_GET = _record

    def log_message(self, *args) -> None:
        pass


@needs_faas_cli
def test_faas_cli_deploys_one_function_with_its_secrets_and_limits(tmp_path):
    server = http.server.HTTPServer(("127.0.0.1", 0), _CapturingGateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        run_faas_cli(copy_project(tmp_path), "deploy", "-f", "stack.yml", "--filter", "auth",
                     env={"OPENFAAS_URL": f"http://127.0.0.1:{server.server_port}", "TAG": "t1"})
    finally:
        server.shutdown()
    deploys = [body for method, path, body in _CapturingGateway.requests if path == "/system/functions"]
    assert {d["service"] for d in deploys} == {"auth"}, "--filter deploys one function alone"
    sent, declared = deploys[0], stack()["functions"]["auth"]
    assert sent["image"].endswith("/auth:t1")
    assert sent["secrets"] == declared["secrets"]
    assert sent["readOnlyRootFilesystem"] is True
    assert sent["labels"]["com.openfaas.scale.max"] == declared["labels"]["com.openfaas.scale.max"]
    assert sent["envVars"]["AUTH_TRUSTED_PROXY_HOPS"] == "1" and "REDIS_BROKER_NAMESPACE" in sent["envVars"]
