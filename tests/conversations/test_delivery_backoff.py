"""A reply delivery waits as long as the channel asks (Retry-After, seconds or an HTTP-date), never past the
backoff cap, through the one retry policy the event deliveries use too."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from shared.conversations import delivery, replies
from shared.conversations.delivery import RetryLater
from tests.conversations.support import SECRET, customer_writes, generic_channel, reply_row
from tests.fakes.generic_receiver import GenericReceiver
from tests.support import serve
from tests.tenancy.seed import seed_tenant

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool", "broker_namespace")]
BASE_MS, CAP_MS = 1_000, 600_000


@pytest.fixture(autouse=True)
def policy(monkeypatch):
    monkeypatch.setenv("GENERIC_CHANNEL_ALLOW_PRIVATE_CALLBACKS", "true")  # the shop fake is on loopback
    monkeypatch.setenv("REPLIES_DELIVERY_BACKOFF_BASE_MS", str(BASE_MS))
    monkeypatch.setenv("REPLIES_DELIVERY_BACKOFF_MAX_MS", str(CAP_MS))


async def first_retry(status: int, **headers: str) -> int:
    """The delay (ms) the first attempt asks for when the shop answers ``status`` with ``headers``."""
    shop = GenericReceiver(SECRET.encode())
    shop.respond_with(status, **headers)
    async with serve(shop) as client:
        seller = await seed_tenant("reply-wait")
        account = await generic_channel(seller.tenant_id, f"{client.base_url}/bokai/replies")
        _, message = await customer_writes(seller.tenant_id, account, "Kiedy wysyłka?")
        reply = await replies.create_ai_reply(seller.tenant_id, message, "Jutro.", approved=True)
        with pytest.raises(RetryLater) as later:
            await delivery.deliver(seller.tenant_id, reply.id)
    row = await reply_row(seller.tenant_id, reply.id)
    assert (row["status"], row["delivery_attempts"]) == ("approved", 1) and f"HTTP {status}" in row["delivery_error"]
    return later.value.delay_ms


async def test_retry_after_seconds_are_honoured():
    assert await first_retry(429, **{"Retry-After": "45"}) == 45_000


async def test_a_retry_after_date_is_honoured():
    at = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=90), usegmt=True)
    assert 85_000 <= await first_retry(503, **{"Retry-After": at}) <= 90_000


async def test_a_retry_after_beyond_the_cap_waits_the_cap():
    assert await first_retry(429, **{"Retry-After": str(365 * 24 * 3600)}) == CAP_MS


async def test_without_retry_after_it_is_the_exponential_backoff():
    assert BASE_MS <= await first_retry(503) <= 2 * BASE_MS
