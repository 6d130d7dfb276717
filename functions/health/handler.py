"""Health function: GET / reports whether every store and model server answers and every priority class
has a live worker (200 ok, 503 degraded)."""

from litestar import Response, get

from shared.http.app import make_function_app
from shared.system.health import HealthReport, check_all


@get("/", summary="Reachability of every dependency")
async def health() -> Response[HealthReport]:
    report = await check_all()
    return Response(report, status_code=200 if report.status == "ok" else 503)


@get("/live", summary="Liveness: the process answers")
async def live() -> dict[str, str]:
    return {"status": "ok"}


app = make_function_app(
    "health",
    [health, live],
    description="Operator health checks: Postgres, Redis, Weaviate, object store, LLM and embeddings.",
    redis=False,  # each check opens its own connection: a Redis outage is what it reports
)
