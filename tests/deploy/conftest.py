"""Each function's cold import and lifespan startup (real servers), probed once per session in a fresh interpreter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.deploy.project import ROOT


@pytest.fixture(scope="session")
def import_probe():
    cache: dict[str, dict] = {}

    def probe(function: str) -> dict:
        if function not in cache:
            result = subprocess.run(
                [sys.executable, "-m", "tests.deploy.probe_import", function, "--startup"],
                cwd=ROOT, capture_output=True, text=True, timeout=120,
            )
            assert result.returncode == 0, f"importing functions.{function}.handler failed:\n{result.stderr}"
            cache[function] = json.loads(result.stdout.splitlines()[-1])
        return cache[function]

    return probe
