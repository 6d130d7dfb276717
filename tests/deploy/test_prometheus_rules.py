"""deploy/prometheus/alerts.yml passes the real promtool: `check rules` and its unit tests (`test rules`)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from tests.deploy.project import ROOT

RULES = ROOT / "deploy" / "prometheus"


def promtool() -> Path:
    """The binary scripts/lib/install.sh builds with `go install .../cmd/promtool@<PROMTOOL_VERSION>`."""
    version = re.search(r'PROMTOOL_VERSION="\$\{PROMTOOL_VERSION:-(\S+)\}"',
                        (ROOT / "scripts" / "lib" / "install.sh").read_text()).group(1)
    cache = Path(os.environ.get("BOKAI_CACHE_DIR", Path.home() / ".cache" / "bok-ai"))
    binary = cache / "bin" / f"promtool-{version}" / "promtool"
    if not binary.exists():
        pytest.fail(f"{binary} is missing: run scripts/stack install")
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


def test_the_scrape_config_is_valid():
    result = run("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_broken_rule_is_refused(tmp_path):
    # The check can fail: a rule with a syntax error does not pass.
    broken = tmp_path / "broken.yml"
    broken.write_text("groups:\n  - name: x\n    rules:\n      - alert: Broken\n        expr: sum(rate(x[5m])\n")
    result = subprocess.run([str(promtool()), "check", "rules", str(broken)], capture_output=True, text=True)
    assert result.returncode != 0
