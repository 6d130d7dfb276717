"""Connecting to Weaviate never phones home: the client's PyPI version check is off (issue 22: every
worker start called pypi.org — a production cluster must not).

Every outbound HTTPS call is sent to a proxy of the test's own that records who knocked; local
servers are reached directly (NO_PROXY), as in a cluster whose egress goes through a proxy."""

from __future__ import annotations

import asyncio

import pytest

from shared.infra.vectors import connect_weaviate

pytestmark = pytest.mark.integration


async def test_connecting_makes_no_call_to_the_package_index(monkeypatch):
    knocks: list[bytes] = []

    async def record(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        knocks.append(await reader.readline())  # e.g. b"CONNECT pypi.org:443 HTTP/1.1"
        writer.close()

    proxy = await asyncio.start_server(record, "127.0.0.1", 0)
    port = proxy.sockets[0].getsockname()[1]
    for name in ("HTTPS_PROXY", "https_proxy"):
        monkeypatch.setenv(name, f"http://127.0.0.1:{port}")
    for name in ("NO_PROXY", "no_proxy"):
        monkeypatch.setenv(name, "127.0.0.1,localhost")
    try:
        client = await connect_weaviate()
        try:
            assert await client.is_ready()
        finally:
            await client.close()
        await asyncio.sleep(0.2)
    finally:
        proxy.close()
    assert knocks == [], f"outbound call on connect: {knocks}"
