"""Helpers for tests that run apps under a real uvicorn server on loopback."""

from __future__ import annotations

import asyncio
import time
import random
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import uvicorn


def free_port() -> int:
    """A free loopback port below Linux's ephemeral range (32768+). There, an outgoing connection can
    hold any port for a while, and a server a test stops and starts again on its port could not bind it."""
    for _ in range(1000):
        port = random.randrange(20_000, 32_000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000")


def closed_url() -> str:
    """An OpenAI-style base URL on a loopback port nothing listens on any more (a server that is down)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


@asynccontextmanager
async def serve(app: Any, **client_options: Any) -> AsyncIterator[httpx.AsyncClient]:
    """Run ``app`` (lifespan included) on the test's event loop; yield a client for it."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="on",
                                           log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            raise RuntimeError("server did not start") from task.exception()
        await asyncio.sleep(0.02)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", **client_options) as client:
            yield client
    finally:
        server.should_exit = True
        await task


async def post_signed(client: httpx.AsyncClient, path: str, body: bytes, secret: str) -> httpx.Response:
    """POST a generic-channel webhook body as a shop does: JSON, signed with the channel's secret now."""
    from shared.http.signatures import sign

    timestamp = int(time.time())
    return await client.post(path, content=body, headers={
        "content-type": "application/json", "X-BokAI-Timestamp": str(timestamp),
        "X-BokAI-Signature": sign(secret, timestamp, body)})


def drop_leftover_jobs() -> None:
    """Empty this run's job queues, fair lanes and delay queues included, before a test boots a worker.

    Earlier tests stage jobs they never run (their sellers' fakes are gone by now): a worker booted
    later spends its threads on those first, each retrying against a closed port, and the test's own
    job waits behind them (tests/channels/test_sync_trigger.py took 36 s in CI for a 4 s poll)."""
    from shared.broker import broker
    from shared.queue_classes import CLASS_OF_QUEUE

    for queue in CLASS_OF_QUEUE:
        broker.flush(queue)
