"""What the deployment tests read: the functions on disk, stack.yml, Dockerfile.fn, the pinned faas-cli."""

from __future__ import annotations

import os
import re
import shlex
import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# What a faas-cli run needs from the repo (symlinks kept, so a broken template link shows up).
STACK_FILES = ("stack.yml", "template", "functions", "shared", "piccolo_conf.py", "piccolo_migrations", "pyproject.toml",
               "README.md", "Dockerfile.fn", ".dockerignore")


def function_names() -> set[str]:
    return {p.parent.name for p in (ROOT / "functions").glob("*/handler.py")}


def stack() -> dict:
    return yaml.safe_load((ROOT / "stack.yml").read_text())


def common_sh(name: str) -> str:
    """A pinned default from scripts/lib/common.sh (NAME="${NAME:-value}")."""
    text = (ROOT / "scripts" / "lib" / "common.sh").read_text()
    return re.search(rf'^{name}="\$\{{{name}:-([^}}]+)\}}"', text, re.M).group(1)


def tool_cache() -> Path:
    return Path(os.environ.get("BOKAI_CACHE_DIR", Path.home() / ".cache" / "bok-ai"))


def faas_cli() -> Path | None:
    """The binary scripts/lib/install.sh builds from scripts/go-tools/go.mod (pinned_tool_path)."""
    go_mod = (ROOT / "scripts" / "go-tools" / "go.mod").read_text()
    version = re.search(r"github\.com/openfaas/faas-cli (\S+)", go_mod).group(1)
    cache = Path(os.environ.get("BOKAI_CACHE_DIR", Path.home() / ".cache" / "bok-ai"))
    path = cache / "bin" / f"faas-cli-{version}" / "faas-cli"
    return path if path.is_file() else None


def copy_project(dest: Path) -> Path:
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    dest.mkdir(parents=True, exist_ok=True)
    for name in STACK_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, dest / name, symlinks=True, ignore=ignore)
        else:
            shutil.copy2(src, dest / name, follow_symlinks=False)
    return dest


def dockerfile_stages() -> dict[str, list[tuple[str, str]]]:
    """Dockerfile.fn as {stage name: [(INSTRUCTION, arguments)]}, continuation lines joined."""
    text = re.sub(r"\\\n", " ", (ROOT / "Dockerfile.fn").read_text())
    stages: dict[str, list[tuple[str, str]]] = {"": []}
    current = ""
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        instruction, _, args = line.partition(" ")
        if instruction.upper() == "FROM":
            current = args.split(" AS ")[-1].strip() if " AS " in args else args
            stages[current] = []
        stages[current].append((instruction.upper(), args.strip()))
    return stages


def stage_env(stage: str) -> dict[str, str]:
    env: dict[str, str] = {}
    for instruction, args in dockerfile_stages()[stage]:
        if instruction == "ENV":
            for pair in shlex.split(args):
                key, _, value = pair.partition("=")
                env[key] = value
    return env


def stage_runs(stage: str) -> list[str]:
    return [args for instruction, args in dockerfile_stages()[stage] if instruction == "RUN"]
