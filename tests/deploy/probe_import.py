"""Run in a fresh interpreter: import one function's handler and report what that pulled in.

Prints JSON: import time, heavy client modules loaded, third-party distributions imported (after the
import, and after the app's lifespan startup with --startup: clients are opened there), and the
secret names the loaded Settings groups can read (shared/settings.py naming).
"""

from __future__ import annotations

import importlib
import asyncio
import importlib.metadata
import json
import sys
import time

# httpx2 is not on the list: it is the one HTTP client of our code (issue 15), and costs a function
# what httpx did before it (~140 ms, `python -X importtime -c "import httpx2"`); images declare it.
HEAVY_CLIENTS = ("weaviate", "openai", "minio", "grpc")


# The project's own packages: never a third-party distribution, even where one ships a package of the
# same name (spylls' wheel carries a stray top-level `tests`, which would make this probe, itself in
# `tests`, count spylls as imported).
PROJECT_PACKAGES = {"tests", "shared", "functions", "bench"}


def _distributions() -> list[str]:
    by_module = importlib.metadata.packages_distributions()
    top_level = {name.partition(".")[0] for name in list(sys.modules)} - set(sys.stdlib_module_names) - PROJECT_PACKAGES
    return sorted({d for module in top_level for d in by_module.get(module, ())})


async def _run_lifespan(app) -> None:
    """The ASGI lifespan startup then shutdown, as uvicorn drives it (no test client: it imports httpx)."""
    events = iter([{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}])
    sent: list[dict] = []

    async def receive() -> dict:
        return next(events)

    async def send(message: dict) -> None:
        sent.append(message)

    await app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, receive, send)
    failed = [m for m in sent if m["type"].endswith(".failed")]
    if failed:
        raise RuntimeError(failed[0].get("message"))


def main(function: str, startup: bool) -> None:
    started = time.perf_counter()
    module = importlib.import_module(f"functions.{function}.handler")
    import_ms = (time.perf_counter() - started) * 1000
    report = {"import_ms": round(import_ms, 1),
              "heavy": sorted(m for m in HEAVY_CLIENTS if m in sys.modules),
              "distributions": _distributions()}

    from shared.settings import Settings, _secret_name

    def subclasses(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *subclasses(sub))]

    if startup:
        asyncio.run(_run_lifespan(module.app))
        report["distributions_after_startup"] = _distributions()
    report["secrets"] = {
        _secret_name(f"{cls.env_prefix}{name}"): f"{cls.__name__}.{name}"
        for cls in subclasses(Settings) for name in cls.__struct_fields__
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main(sys.argv[1], "--startup" in sys.argv[2:])
