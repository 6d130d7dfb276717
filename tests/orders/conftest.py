"""Order-context fixtures: the marketplace fakes and connected sellers of tests/channels, the scripted model
of tests/ai, and a gateway that also serves the conversations API (what the frontend reads)."""

from __future__ import annotations

import uuid

import pytest

from functions.auth.handler import app as auth_app
from functions.channels.handler import app as channels_app
from functions.conversations.handler import app as conversations_app
from functions.webhooks.handler import app as webhooks_app
from shared.channels.connection import credentials_from_token, save_connected_account
from shared.gateway.dispatcher import FunctionGateway
from shared.knowledge.stores import KnowledgeStores
from tests.ai.conftest import scripted_model  # noqa: F401 - shared fixture
from tests.channels.conftest import allegro, emag, loopback_smtp, redis_open  # noqa: F401 - shared fixtures
from tests.channels.marketplace_support import sign_up
from tests.fakes.allegro_orders import AllegroOrders
from tests.support import serve


@pytest.fixture
async def gateway(db_pool):
    apps = {"auth": auth_app, "channels": channels_app, "webhooks": webhooks_app, "conversations": conversations_app}
    async with serve(FunctionGateway(apps), timeout=30) as client:
        yield client


@pytest.fixture
def orders(allegro):  # noqa: F811
    return AllegroOrders(allegro)


@pytest.fixture
async def stores():
    opened = await KnowledgeStores.open()
    yield opened
    await opened.close()


async def allegro_seller(gateway, allegro, company: str = "Sklep Rowerowy") -> tuple[uuid.UUID, uuid.UUID, dict]:  # noqa: F811
    """(tenant, Allegro account, the owner's API headers): signed up through the API, Allegro connected."""
    tenant, headers = await sign_up(gateway, company)
    account_id = await save_connected_account(
        tenant, platform="allegro", external_account_id=f"allegro-{uuid.uuid4().hex[:8]}", display_name=company,
        credentials=credentials_from_token(allegro.connect_seller()))
    return tenant, account_id, headers
