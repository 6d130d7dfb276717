"""The auth function and an example guarded function behind the local gateway, on a real uvicorn.

Served on the test's own event loop, so the Postgres pool and Redis client the functions open at
startup are the ones the tests use too (Litestar's TestClient would run them on another loop).
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import uuid

import httpx
import pytest
import uvicorn

from functions.auth.handler import app as auth_app
from shared.gateway.dispatcher import FunctionGateway
from tests.auth.example_function import app as inbox_app

PASSWORD = "Zielona-Herbata-42"


@pytest.fixture(scope="session")
async def gateway_url():
    # Each test claims its own client address (X-Forwarded-For, trusted for one proxy hop), so
    # per-address login throttling in one test never affects another.
    patch = pytest.MonkeyPatch()
    patch.setenv("AUTH_TRUSTED_PROXY_HOPS", "1")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    gateway = FunctionGateway({"auth": auth_app, "inbox": inbox_app})
    server = uvicorn.Server(uvicorn.Config(gateway, host="127.0.0.1", port=port, lifespan="on",
                                           log_level="warning", proxy_headers=False))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            raise RuntimeError("gateway did not start") from task.exception()
        await asyncio.sleep(0.02)
    yield f"http://127.0.0.1:{port}/function"
    server.should_exit = True
    await task
    patch.undo()


def _address() -> str:
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"


@pytest.fixture
async def client(gateway_url):
    async with httpx.AsyncClient(base_url=f"{gateway_url}/auth", headers={"x-forwarded-for": _address()},
                                 timeout=30) as c:
        yield c


@pytest.fixture
async def inbox(gateway_url):
    async with httpx.AsyncClient(base_url=f"{gateway_url}/inbox", timeout=30) as c:
        yield c


def new_email(label: str = "anna") -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.pl"


async def register(client, *, email: str | None = None, company: str = "Sklep Łódź") -> dict:
    response = await client.post("/register", json={"email": email or new_email(), "password": PASSWORD,
                                                     "companyName": company})
    assert response.status_code == 201, response.text
    return response.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}
