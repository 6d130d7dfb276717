"""Allegro and OLX contract fakes on loopback, settings pointed at them, and connected test sellers."""

from __future__ import annotations

import uuid

import pytest

from shared.channels.connection import credentials_from_token, save_connected_account
from shared.infra.redis import close_redis, open_redis
from tests.fakes.allegro import AllegroFake
from tests.fakes.olx import OlxFake
from tests.support import serve
from tests.tenancy.seed import seed_tenant


@pytest.fixture
async def redis_open():
    await open_redis()
    yield
    await close_redis()


@pytest.fixture
async def allegro(monkeypatch, db_pool, redis_open):
    fake = AllegroFake()
    async with serve(fake) as client:
        base = str(client.base_url).rstrip("/")
        monkeypatch.setenv("ALLEGRO_API_URL", base)
        monkeypatch.setenv("ALLEGRO_AUTH_URL", f"{base}/auth/oauth")
        monkeypatch.setenv("ALLEGRO_CLIENT_ID", fake.client[0])
        monkeypatch.setenv("ALLEGRO_CLIENT_SECRET", fake.client[1])
        fake.base_url = base
        yield fake


@pytest.fixture
async def olx(monkeypatch, db_pool, redis_open):
    fake = OlxFake()
    async with serve(fake) as client:
        base = str(client.base_url).rstrip("/")
        monkeypatch.setenv("OLX_API_URL", f"{base}/api/partner")
        monkeypatch.setenv("OLX_TOKEN_URL", f"{base}/api/open/oauth/token")
        monkeypatch.setenv("OLX_AUTHORIZE_URL", f"{base}/oauth/authorize/")
        monkeypatch.setenv("OLX_REDIRECT_URI", "https://app.bok-ai.test/function/channels/olx/callback")
        monkeypatch.setenv("OLX_CLIENT_ID", fake.client[0])
        monkeypatch.setenv("OLX_CLIENT_SECRET", fake.client[1])
        fake.base_url = base
        yield fake


async def connect(fake, platform: str, label: str, external_id: str) -> tuple[uuid.UUID, uuid.UUID]:
    """A seller whose account is connected with a live token pair from the fake."""
    seller = await seed_tenant(label)
    account_id = await save_connected_account(
        seller.tenant_id, platform=platform, external_account_id=external_id, display_name=label,
        credentials=credentials_from_token(fake.connect_seller()))
    return seller.tenant_id, account_id


@pytest.fixture
async def emag(monkeypatch, db_pool, redis_open):
    from tests.fakes.emag import EmagFake

    fake = EmagFake()
    async with serve(fake) as client:
        base = str(client.base_url).rstrip("/")
        for country in ("RO", "BG", "HU"):
            monkeypatch.setenv(f"EMAG_API_URL_{country}", f"{base}/api-3")
        fake.base_url = base
        yield fake


@pytest.fixture
def loopback_smtp(monkeypatch):
    # The SMTP fakes listen on loopback at random ports, which production refuses.
    monkeypatch.setenv("EMAIL_CHANNEL_ALLOW_PRIVATE_SMTP_HOSTS", "true")
