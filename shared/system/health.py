"""Reachability checks of every dependency and the workers' heartbeats, for operators and monitors.

``degraded`` (answered 503 by the health function) when a dependency does not answer or a priority
class has no worker whose heartbeat is fresh (``shared.ops.presence``): messages are then stored
but nobody processes them, which is an outage for the seller even though every server is up."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import msgspec

from shared.infra.embeddings import EmbeddingSettings
from shared.infra.llm import LlmSettings
from shared.infra.objects import ObjectStoreSettings
from shared.infra.postgres import engine
from shared.infra.redis import make_redis
from shared.infra.vectors import VectorStoreSettings
from shared.ops.presence import ClassWorkers, workers_by_class
from shared.settings import SettingsError, load


class CheckResult(msgspec.Struct, rename="camel"):
    ok: bool
    latency_ms: int
    # Only the error's type and a fixed hint: driver messages can carry hosts or user names.
    error: str | None = None


class HealthReport(msgspec.Struct, rename="camel"):
    status: str  # ok | degraded
    checks: dict[str, CheckResult]
    # Per priority class (live, reply, bulk); empty when Redis, where the heartbeats are, is away.
    workers: dict[str, ClassWorkers] = {}


async def _postgres() -> None:
    await engine().run_ddl("SELECT 1")


async def _redis() -> None:
    client = make_redis()
    try:
        await client.ping()
    finally:
        await client.aclose()


async def _http_get(url: str, api_key: str | None = None) -> None:
    # vLLM protects /v1/* with --api-key; the embeddings server may too.
    import httpx2  # here, not at the top: a function's cold import loads no HTTP client (tests/deploy)

    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    async with httpx2.AsyncClient(timeout=3.0) as client:
        response = await client.get(url, headers=headers)
        response.raise_for_status()


async def _weaviate() -> None:
    s = load(VectorStoreSettings)
    scheme = "https" if s.secure else "http"
    await _http_get(f"{scheme}://{s.http_host}:{s.http_port}/v1/.well-known/ready")


async def _object_store() -> None:
    s = load(ObjectStoreSettings)
    scheme = "https" if s.secure else "http"
    await _http_get(f"{scheme}://{s.endpoint}/minio/health/ready")


async def _llm() -> None:
    settings = load(LlmSettings)
    await _http_get(settings.base_url.rstrip("/") + "/models", settings.api_key)


async def _embeddings() -> None:
    settings = load(EmbeddingSettings)
    await _http_get(settings.base_url.rstrip("/") + "/models", settings.api_key)


async def _interactive_embeddings() -> None:
    """The server a person's searches use; unset, they share the one checked as "embeddings"."""
    settings = load(EmbeddingSettings)
    if not settings.interactive_base_url:
        return
    await _http_get(settings.interactive_base_url.rstrip("/") + "/models", settings.api_key)


CHECKS: dict[str, Callable[[], Awaitable[None]]] = {
    "postgres": _postgres,
    "redis": _redis,
    "weaviate": _weaviate,
    "objectStore": _object_store,
    "llm": _llm,
    "embeddings": _embeddings,
    "interactiveEmbeddings": _interactive_embeddings,
}


async def _timed(check: Callable[[], Awaitable[None]]) -> CheckResult:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check(), timeout=5.0)
        error = None
    except SettingsError:
        error = "not configured"
    except Exception as exc:  # any failure is a result here, not an error of the health check
        error = type(exc).__name__
    return CheckResult(ok=error is None, latency_ms=int((time.perf_counter() - started) * 1000),
                       error=error)


async def _workers() -> dict[str, ClassWorkers]:
    try:
        return await asyncio.wait_for(workers_by_class(), timeout=5.0)
    except Exception:  # noqa: BLE001 — Redis away: its own check reports that
        return {}


async def check_all() -> HealthReport:
    *results, workers = await asyncio.gather(*(_timed(check) for check in CHECKS.values()), _workers())
    checks = dict(zip(CHECKS, results, strict=True))
    healthy = all(r.ok for r in results) and bool(workers) and all(w.alive for w in workers.values())
    return HealthReport(status="ok" if healthy else "degraded", checks=checks, workers=workers)
