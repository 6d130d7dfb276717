"""Every function behind one local gateway on a real uvicorn, and two sellers signed up through it.

The hostile suite talks HTTP only, like an attacker would: tokens come from ``/auth/register``.
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass

import httpx
import pytest

from functions.ai.handler import app as ai_app
from functions.auth.handler import app as auth_app
from functions.channels.handler import app as channels_app
from functions.conversations.handler import app as conversations_app
from functions.kb.handler import app as kb_app
from functions.webhooks.handler import app as webhooks_app
from shared.gateway.dispatcher import FunctionGateway
from tests.support import serve

PASSWORD = "Zielona-Herbata-42"
FUNCTIONS = {"auth": auth_app, "kb": kb_app, "conversations": conversations_app, "ai": ai_app,
             "webhooks": webhooks_app, "channels": channels_app}


@dataclass
class Seller:
    email: str
    tenant_id: uuid.UUID
    user_id: uuid.UUID
    tokens: dict

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens['accessToken']}"}


def client_address() -> str:
    # Tests trust one proxy hop, so each test can claim its own address for the per-address throttles.
    return f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}"


@pytest.fixture(scope="module")
async def gateway(db_pool):
    patch = pytest.MonkeyPatch()
    patch.setenv("AUTH_TRUSTED_PROXY_HOPS", "1")
    async with serve(FunctionGateway(FUNCTIONS), timeout=60,
                     headers={"x-forwarded-for": client_address()}) as client:
        yield client
    patch.undo()


async def sign_up(gateway: httpx.AsyncClient, label: str = "hostile") -> Seller:
    email = f"{label}-{uuid.uuid4().hex[:10]}@example.pl"
    response = await gateway.post("/function/auth/register", json={
        "email": email, "password": PASSWORD, "companyName": f"Sklep {label}"})
    assert response.status_code == 201, response.text
    tokens = response.json()
    me = (await gateway.get("/function/auth/me",
                            headers={"Authorization": f"Bearer {tokens['accessToken']}"})).json()
    return Seller(email=email, tenant_id=uuid.UUID(me["tenant"]["id"]), user_id=uuid.UUID(me["user"]["id"]),
                  tokens=tokens)


@pytest.fixture(scope="module")
async def seller(gateway) -> Seller:
    return await sign_up(gateway, "seller-a")


@pytest.fixture(scope="module")
async def other_seller(gateway) -> Seller:
    return await sign_up(gateway, "seller-b")
