"""A function's cold import stays small: no heavy clients it does not use, and its image extra covers it."""

from __future__ import annotations

import importlib.metadata
import re
import tomllib

import pytest
from packaging.requirements import Requirement

from tests.deploy.project import ROOT, function_names

# Heavy clients a function may import; every other function must not (platform notes: weaviate
# ~680 ms, openai ~480 ms, minio ~180 ms of cold start). Functions enqueue actors by name instead.
ALLOWED_HEAVY: dict[str, set[str]] = {}
# Imported through a .pth hook or by the project itself, not from the image's requirements.
# attrs: Litestar loads its attrs plugin whenever attrs is installed (here via aiosmtpd, a dev
# dependency); an image without attrs simply skips it.
NOT_FROM_REQUIREMENTS = {"bok-ai", "setuptools", "attrs"}


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_closure(requirements: list[str]) -> set[str]:
    """Distribution names pip installs for these requirements (read from the installed metadata)."""
    seen: set[str] = set()
    pending = [(Requirement(r), "") for r in requirements]
    while pending:
        req, parent_extra = pending.pop()
        if req.marker and not req.marker.evaluate({"extra": parent_extra}):
            continue
        for extra in {"", *req.extras}:
            key = (_normalise(req.name), extra)
            if key in seen:
                continue
            seen.add(key)
            pending += [(Requirement(r), extra) for r in importlib.metadata.requires(req.name) or ()]
    return {name for name, _ in seen}


def image_extra(function: str) -> list[str]:
    extras = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert f"fn-{function}" in extras, f"pyproject.toml needs an extra fn-{function} (what its image installs)"
    return extras[f"fn-{function}"]


@pytest.mark.parametrize("function", sorted(function_names()))
def test_import_pulls_no_heavy_client_it_does_not_use(function, import_probe):
    report = import_probe(function)
    print(f"\ncold import of functions.{function}.handler: {report['import_ms']} ms")
    assert set(report["heavy"]) <= ALLOWED_HEAVY.get(function, set()), report["heavy"]


@pytest.mark.integration
@pytest.mark.parametrize("function", sorted(function_names()))
def test_image_extra_installs_everything_the_import_needs(function, import_probe):
    installed = requirement_closure(image_extra(function))
    # After startup: clients are imported lazily when the lifespan opens them.
    imported = {_normalise(d) for d in import_probe(function)["distributions_after_startup"]} - NOT_FROM_REQUIREMENTS
    missing = imported - installed
    assert not missing, f"functions.{function} imports {sorted(missing)}: add them to fn-{function} in pyproject.toml"
