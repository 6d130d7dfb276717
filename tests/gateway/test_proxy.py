"""The local gateway in front of the watchdogs forwards like the OpenFaaS gateway (a real upstream server)."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

import httpx
import uvicorn

from litestar import Litestar, Request, get, post
from litestar.params import Parameter

from shared.gateway.proxy import ProxyGateway
from tests.support import free_port, serve


def upstream_app() -> Litestar:
    @get("/{path:path}")
    async def echo(request: Request, path: Annotated[str, Parameter()]) -> dict:
        return {"path": request.scope["raw_path"].decode(), "query": request.url.query,
                "forwardedFor": request.headers.get("x-forwarded-for"),
                "forwardedHost": request.headers.get("x-forwarded-host"),
                "callId": request.headers.get("x-call-id"), "auth": request.headers.get("authorization"),
                "gatewayPort": request.client.port}

    @post("/upload", status_code=200)
    async def upload(request: Request) -> dict:
        digest, size = hashlib.sha256(), 0
        async for chunk in request.stream():
            digest.update(chunk)
            size += len(chunk)
        return {"size": size, "sha256": digest.hexdigest()}

    @post("/refuse", status_code=413)
    async def refuse() -> dict:  # answers without reading the body, as a function over its size limit does
        return {"detail": "too large"}

    @get("/big")
    async def big() -> bytes:
        return b"x" * 3_000_000

    return Litestar([echo, upload, refuse, big])


@asynccontextmanager
async def serve_gateway(gateway: Any) -> AsyncIterator[httpx.AsyncClient]:
    """As `python -m shared.gateway` serves it: the edge, so uvicorn must not rewrite the peer from headers."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(gateway, host="127.0.0.1", port=port, lifespan="on",
                                           log_level="warning", proxy_headers=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            yield client
    finally:
        server.should_exit = True
        await task


async def test_forwards_to_the_function_with_its_prefix_stripped_and_one_forwarded_hop():
    async with serve(upstream_app()) as upstream:
        async with serve_gateway(ProxyGateway({"alpha": str(upstream.base_url)})) as client:
            echoed = (await client.get("/function/alpha/orders/a%2Fb", params={"x": "1"},
                                       headers={"Authorization": "Bearer t", "X-Forwarded-For": "10.0.0.9"})).json()
            missing = await client.get("/function/beta/anything")
            outside = await client.get("/orders/7")
            health = (await client.get("/healthz")).json()
    # the encoded "/" stays encoded, the caller's X-Forwarded-For gets the caller appended (one hop)
    assert echoed["path"] == "/orders/a%2Fb" and echoed["query"] == "x=1" and echoed["auth"] == "Bearer t"
    assert echoed["forwardedFor"] == "10.0.0.9, 127.0.0.1"
    assert echoed["forwardedHost"].startswith("127.0.0.1:") and len(echoed["callId"]) == 36
    assert missing.status_code == 404 and outside.status_code == 404
    assert health["functions"] == ["alpha"]


async def test_streams_large_bodies_both_ways():
    body = bytes(range(256)) * 20_000  # ~5 MB (under Litestar's default body limit)
    async with serve(upstream_app()) as upstream:
        async with serve(ProxyGateway({"alpha": str(upstream.base_url)}), timeout=30) as client:
            uploaded = (await client.post("/function/alpha/upload", content=body)).json()
            async def chunks():  # no Content-Length: sent chunked
                yield body[:1000]
                yield body[1000:]

            chunked = (await client.post("/function/alpha/upload", content=chunks())).json()
            downloaded = await client.get("/function/alpha/big")
    assert uploaded == chunked == {"size": len(body), "sha256": hashlib.sha256(body).hexdigest()}
    assert downloaded.content == b"x" * 3_000_000


async def test_a_function_that_is_down_is_a_502_with_a_message():
    async with serve(ProxyGateway({"alpha": f"http://127.0.0.1:{free_port()}"})) as client:
        response = await client.get("/function/alpha/")
    assert response.status_code == 502 and "alpha" in response.json()["detail"]


async def test_calls_reuse_the_connection_to_the_function_unless_it_answered_before_the_body_was_sent():
    # The upstream without proxy headers: its client is the gateway's socket, not X-Forwarded-For.
    async with serve_gateway(upstream_app()) as upstream:
        async with serve(ProxyGateway({"alpha": str(upstream.base_url)})) as client:
            first = (await client.get("/function/alpha/one")).json()["gatewayPort"]
            second = (await client.get("/function/alpha/two")).json()["gatewayPort"]
            refused = await client.post("/function/alpha/refuse", content=b"x" * 5_000_000)
            after = (await client.get("/function/alpha/three")).json()["gatewayPort"]
    assert first == second
    # the early answer left its request unfinished: that connection is closed, not handed to the next call
    assert refused.status_code == 413 and refused.json() == {"detail": "too large"}
    assert after != first


async def test_a_function_that_does_not_answer_in_time_is_a_504_with_a_message():
    async def accept_and_stay_silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # until the gateway gives up and closes

    silent = await asyncio.start_server(accept_and_stay_silent, "127.0.0.1", 0)
    port = silent.sockets[0].getsockname()[1]
    try:
        async with serve(ProxyGateway({"alpha": f"http://127.0.0.1:{port}"}, upstream_timeout=0.5)) as client:
            response = await client.post("/function/alpha/slow", content=b"{}")
    finally:
        silent.close()
    assert response.status_code == 504 and "alpha" in response.json()["detail"]
