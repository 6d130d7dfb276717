"""An auth app under Litestar's test client, with its real lifespan (Postgres pool, Redis client)."""

from __future__ import annotations

import secrets
import uuid

import pytest
from litestar.testing import AsyncTestClient

from functions.auth.handler import app


@pytest.fixture(scope="session", autouse=True)
def trust_forwarded_for():
    # Each test client claims its own address (X-Forwarded-For), so per-address login throttling
    # in one test never affects another.
    mp = pytest.MonkeyPatch()
    mp.setenv("AUTH_TRUSTED_PROXY_HOPS", "1")
    yield
    mp.undo()


@pytest.fixture(scope="session")
async def auth_app():
    async with AsyncTestClient(app=app) as client:
        yield client


@pytest.fixture
def client(auth_app):
    auth_app.headers["x-forwarded-for"] = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"
    return auth_app


def new_email(label: str = "anna") -> str:
    return f"{label}-{uuid.uuid4().hex[:10]}@example.pl"


PASSWORD = "Zielona-Herbata-42"


async def register(client, *, email: str | None = None, company: str = "Sklep Łódź") -> dict:
    response = await client.post("/register", json={"email": email or new_email(), "password": PASSWORD,
                                                     "companyName": company})
    assert response.status_code == 201, response.text
    return response.json()


def bearer(tokens: dict) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens['accessToken']}"}
