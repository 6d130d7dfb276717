"""Every third-party import is declared for the image it runs in (issue 15), read from the source.

The worker image installs ``[project] dependencies`` + the ``worker`` extra: deptry (configured in
pyproject.toml) checks every import of shared/ and functions/ against them, including imports
inside functions. A function's image installs only its ``fn-<name>`` extra: every module its
handler can reach (any import, at any depth, also inside functions) must find its distribution
there. tests/deploy/test_imports.py checks the same at run time for the import and the lifespan.
"""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.architecture.imports import imported_modules
from tests.deploy.project import ROOT, function_names
from tests.deploy.test_imports import _normalise, image_extra, requirement_closure

DEPTRY = Path(sys.executable).with_name("deptry")
# Reached only through code the function never runs: shared/system/health.py reads the settings of
# shared/infra/{objects,llm,vectors}.py, whose clients are imported inside the functions that build them.
NEVER_RUN_IN: dict[str, set[str]] = {"health": {"minio", "openai", "weaviate"}}


def _module_file(module: str, root: Path) -> Path | None:
    path = root.joinpath(*module.split("."))
    return next((p for p in (path.with_suffix(".py"), path / "__init__.py") if p.is_file()), None)


def third_party_reach(module: str, root: Path = ROOT) -> dict[str, str]:
    """Top-level third-party module → the first of our modules found importing it, for all ``module`` reaches."""
    seen: set[str] = set()
    pending, found = [module], {}
    while pending:
        current = pending.pop()
        if current in seen:
            continue
        seen.add(current)
        parts = current.split(".")
        pending += [".".join(parts[:i]) for i in range(1, len(parts))]  # packages' __init__ run first
        source = _module_file(current, root)
        if source is None:
            continue
        for name in imported_modules(source.read_text()):
            top = name.partition(".")[0]
            if top in ("shared", "functions"):
                pending.append(name)
            elif top not in sys.stdlib_module_names and top != "__future__":
                found.setdefault(top, current)
    return found


def _deptry(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(DEPTRY), ".", "--no-ansi"], cwd=project, capture_output=True, text=True, timeout=120)


def test_worker_image_declares_every_import():
    result = _deptry(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


def test_deptry_config_leaves_only_the_worker_groups_installed():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    groups = set(project["project"]["optional-dependencies"])
    dev_like = set(project["tool"]["deptry"]["optional_dependencies_dev_groups"])
    assert dev_like == groups - {"worker"}, "list every extra but 'worker' in [tool.deptry]"


def test_deptry_finds_an_undeclared_import(tmp_path):
    # The check above can fail: an import that only arrives with another package is refused.
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "probe"\nversion = "0"\ndependencies = ["litestar"]\n')
    (tmp_path / "probe.py").write_text("import litestar\nimport multipart\n")
    result = _deptry(tmp_path)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "DEP003 'multipart'" in output, output


@pytest.mark.parametrize("function", sorted(function_names()))
def test_function_image_declares_every_import_it_can_reach(function):
    installed = requirement_closure(image_extra(function))
    by_module = importlib.metadata.packages_distributions()
    missing = {
        top: via for top, via in third_party_reach(f"functions.{function}.handler").items()
        if top not in NEVER_RUN_IN.get(function, set())
        and not any(_normalise(d) in installed for d in by_module.get(top, [top]))
    }
    assert not missing, f"add to fn-{function} in pyproject.toml (module: imported by): {missing}"


def test_reach_follows_imports_inside_functions(tmp_path):
    package = tmp_path / "shared"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("def f():\n    from shared import b\n")
    (package / "b.py").write_text("import aiosmtplib\n")
    assert third_party_reach("shared.a", tmp_path) == {"aiosmtplib": "shared.b"}
