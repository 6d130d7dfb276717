"""The local gateway routes /function/<name>/... like OpenFaaS: prefix stripped, lifespan delivered."""

from __future__ import annotations

from typing import Annotated

import pytest
import uvicorn
from litestar import Litestar, Request, get
from litestar.params import Parameter

from shared.gateway.discovery import function_names, load_functions
from shared.gateway.dispatcher import FunctionGateway
from tests.support import free_port, serve


def make_app(name: str, events: list[str]) -> Litestar:
    @get("/{path:path}")
    async def echo(request: Request, path: Annotated[str, Parameter()]) -> dict[str, str]:
        return {"function": name, "path": request.url.path, "query": request.url.query}

    @get("/")
    async def root() -> dict[str, str]:
        return {"function": name, "path": "/"}

    return Litestar(
        [echo, root],
        on_startup=[lambda: events.append(f"{name}:startup")],
        on_shutdown=[lambda: events.append(f"{name}:shutdown")],
    )


async def test_routes_each_function_with_its_prefix_stripped():
    events: list[str] = []
    gateway = FunctionGateway({"alpha": make_app("alpha", events), "beta": make_app("beta", events)})
    async with serve(gateway) as client:
        a = (await client.get("/function/alpha/orders/7", params={"x": "1"})).json()
        b = (await client.get("/function/beta/")).json()
        bare = (await client.get("/function/beta")).json()
        missing = await client.get("/function/gamma/anything")
        outside = await client.get("/orders/7")
    assert a == {"function": "alpha", "path": "/orders/7", "query": "x=1"}
    assert b == bare == {"function": "beta", "path": "/"}
    assert missing.status_code == 404 and outside.status_code == 404


async def test_delivers_lifespan_events_to_every_function():
    events: list[str] = []
    gateway = FunctionGateway({"alpha": make_app("alpha", events), "beta": make_app("beta", events)})
    async with serve(gateway) as client:
        assert sorted(events) == ["alpha:startup", "beta:startup"]
        assert (await client.get("/healthz")).json()["functions"] == ["alpha", "beta"]
    assert sorted(events) == ["alpha:shutdown", "alpha:startup", "beta:shutdown", "beta:startup"]


async def test_a_function_failing_to_start_fails_the_gateway_start():
    def broken() -> None:
        raise RuntimeError("cannot reach the database")

    gateway = FunctionGateway({"broken": Litestar([], on_startup=[broken])})
    server = uvicorn.Server(uvicorn.Config(gateway, host="127.0.0.1", port=free_port(),
                                           lifespan="on", log_level="critical"))
    with pytest.raises(SystemExit):
        await server.serve()


@pytest.mark.integration
async def test_serves_the_project_functions():
    from shared.infra.redis import RedisSettings, make_sync_redis
    from shared.ops.presence import record_beat
    from shared.queue_classes import QUEUE_CLASSES
    from shared.settings import load

    assert "health" in function_names()
    # A beat of every class, as running workers record it: health is ok only with live workers.
    record_beat(make_sync_redis(), load(RedisSettings).broker_namespace,
                [f"{name}/gateway-test/1" for name in QUEUE_CLASSES])
    async with serve(FunctionGateway(load_functions())) as client:
        live = await client.get("/function/health/live")
        report = await client.get("/function/health/")
        docs = await client.get("/function/health/schema/openapi.json")
    assert live.json() == {"status": "ok"}
    assert report.status_code == 200, report.text
    assert set(report.json()["checks"]) == {"postgres", "redis", "weaviate", "objectStore", "llm", "embeddings",
                                            "interactiveEmbeddings"}
    assert docs.json()["servers"] == [{"url": "/function/health"}]
