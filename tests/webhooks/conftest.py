"""Fixtures: the webhooks function served on loopback, and a seller with a generic channel."""

from __future__ import annotations

import secrets

import pytest

from functions.webhooks.handler import app as webhooks_app
from tests.support import serve
from tests.tenancy.seed import seed_tenant
from tests.webhooks.support import add_channel


@pytest.fixture
async def webhooks(db_pool):
    async with serve(webhooks_app, timeout=30) as client:
        yield client


@pytest.fixture
async def seller(db_pool):
    return await seed_tenant("hooks")


@pytest.fixture
async def generic_channel(seller):
    secret = secrets.token_urlsafe(24)
    account_id = await add_channel(seller.tenant_id, "generic", {"webhookSecret": secret})
    return seller.tenant_id, account_id, secret
