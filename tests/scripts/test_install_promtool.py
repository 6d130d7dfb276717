"""promtool comes out of Debian's `prometheus` package in seconds, not from a minutes-long compile (issue 23)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def install_promtool(cache: Path) -> tuple[subprocess.CompletedProcess, float]:
    started = time.monotonic()
    result = subprocess.run(
        ["bash", "-c", 'source scripts/lib/common.sh && source scripts/lib/install.sh && mkdir -p "$LOG_DIR" '
                       '&& install_promtool'],
        cwd=ROOT, env={"PATH": "/usr/bin:/bin:/usr/sbin:/sbin", "HOME": str(cache), "BOKAI_CACHE_DIR": str(cache),
                       "BOKAI_STATE_DIR": str(cache / "state")},
        capture_output=True, text=True, timeout=300)
    return result, time.monotonic() - started


def test_a_fresh_cache_gets_debians_promtool_and_records_it(tmp_path):
    result, took = install_promtool(tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "from Debian" in result.stdout and "go install" not in result.stdout
    binary = Path((tmp_path / "bin" / "promtool.path").read_text().strip())
    version = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=30)
    assert version.returncode == 0 and "promtool, version 2." in version.stdout + version.stderr
    assert took < 120, f"fetching Debian's promtool took {took:.0f} s"

    again, took_again = install_promtool(tmp_path)
    assert "(cached)" in again.stdout and took_again < 10
