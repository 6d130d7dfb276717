"""Finds every function: a folder `functions/<name>/` whose `handler.py` exposes an ASGI `app`."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

FUNCTIONS_DIR = Path(__file__).resolve().parents[2] / "functions"


def function_names(functions_dir: Path = FUNCTIONS_DIR) -> list[str]:
    return sorted(
        p.name for p in functions_dir.iterdir()
        if p.is_dir() and (p / "handler.py").is_file() and not p.name.startswith(("_", "."))
    )


def load_functions(names: list[str] | None = None) -> dict[str, Any]:
    names = function_names() if names is None else names
    return {name: importlib.import_module(f"functions.{name}.handler").app for name in names}
