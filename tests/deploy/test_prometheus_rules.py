"""deploy/prometheus/alerts.yml passes the real promtool: `check rules` and its unit tests (`test rules`)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.project import ROOT

RULES = ROOT / "deploy" / "prometheus"


def promtool() -> Path:
    """The binary scripts/lib/install.sh chose (Debian's, or compiled where apt could not fetch it)."""
    chosen = Path(os.environ.get("BOKAI_CACHE_DIR", Path.home() / ".cache" / "bok-ai")) / "bin" / "promtool.path"
    binary = Path(chosen.read_text().strip()) if chosen.exists() else None
    if binary is None or not binary.exists():
        pytest.fail(f"no promtool recorded in {chosen}: run scripts/stack install")
    return binary


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(promtool()), *args], cwd=RULES, capture_output=True, text=True, timeout=120)


def test_alert_rules_are_valid():
    result = run("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(r"SUCCESS: \d+ rules found", result.stdout + result.stderr)


def test_alert_rules_fire_on_the_failures_they_are_for():
    result = run("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


KUBERNETES_ROLES = {"node", "pod", "service", "endpoints", "endpointslice", "ingress"}


def without_kubernetes_discovery(config: dict) -> dict:
    """The scrape config with each job's Kubernetes discovery replaced by a static target: everything else
    (jobs, relabelling, rule files) is still checked by a promtool built without Kubernetes discovery."""
    jobs = []
    for job in config["scrape_configs"]:
        job = dict(job)
        for sd in job.pop("kubernetes_sd_configs", []):
            assert sd["role"] in KUBERNETES_ROLES, sd
            assert set(sd) <= {"role", "namespaces", "selectors", "api_server", "kubeconfig_file"}, sd
            job["static_configs"] = [{"targets": ["discovered-by-kubernetes:9191"]}]
        jobs.append(job)
    return {**config, "scrape_configs": jobs}


def test_the_scrape_config_is_valid(tmp_path):
    result = run("check", "config", "prometheus.yml")
    if "kubernetes_sd_configs not found" in result.stdout + result.stderr:
        # Debian's promtool leaves out Kubernetes discovery (its build drops client-go).
        config = yaml.safe_load((RULES / "prometheus.yml").read_text())
        (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(without_kubernetes_discovery(config)))
        shutil.copy(RULES / "alerts.yml", tmp_path / "alerts.yml")
        result = subprocess.run([str(promtool()), "check", "config", "prometheus.yml"], cwd=tmp_path,
                                capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout + result.stderr


def test_a_broken_scrape_config_is_refused(tmp_path):
    config = yaml.safe_load((RULES / "prometheus.yml").read_text())
    config["scrape_configs"][0]["relabel_configs"][0]["action"] = "keep-ish"
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(without_kubernetes_discovery(config)))
    shutil.copy(RULES / "alerts.yml", tmp_path / "alerts.yml")
    result = subprocess.run([str(promtool()), "check", "config", "prometheus.yml"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0


def test_a_broken_rule_is_refused(tmp_path):
    # The check can fail: a rule with a syntax error does not pass.
    broken = tmp_path / "broken.yml"
    broken.write_text("groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m])\n")
    result = subprocess.run([str(promtool()), "check", "rules", str(broken)], capture_output=True, text=True)
    assert result.returncode != 0
