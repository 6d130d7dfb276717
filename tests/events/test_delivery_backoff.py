"""An event delivery waits as long as the receiver asks (Retry-After in seconds or as an HTTP-date), never
past the backoff cap, through the one retry policy the reply deliveries use too."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest

from shared.events.delivery import RetryLater, deliver
from shared.events.emit import stage_event
from shared.tenancy.db import tenant_tx
from tests.events.receiver import EventReceiver, listening
from tests.events.support import LOCAL, add_endpoint, deliveries, fresh_seller

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
BASE_MS, CAP_MS = 400, 600_000


@pytest.fixture(autouse=True)
def policy(monkeypatch):
    for name, value in LOCAL.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("EVENTS_WEBHOOK_BACKOFF_BASE_MS", str(BASE_MS))
    monkeypatch.setenv("EVENTS_WEBHOOK_BACKOFF_MAX_MS", str(CAP_MS))


async def first_retry(answer) -> int:
    """The delay (ms) the first attempt asks for when the receiver answers ``answer``."""
    seller = await fresh_seller("ev-wait")
    receiver = EventReceiver(scripted=[answer])
    async with listening(receiver):
        _, receiver.secret = await add_endpoint(seller.tenant_id, receiver.url, ["channel.broken"])
        async with tenant_tx(seller.tenant_id):
            [job] = await stage_event(seller.tenant_id, "channel.broken", {"channelAccountId": "a-1"})
        with pytest.raises(RetryLater) as later:
            await deliver(seller.tenant_id, job.args[1])
    [entry] = await deliveries(seller.tenant_id)
    assert (entry.status, entry.attempts, entry.response_code) == ("pending", 1, receiver.calls[0].status)
    return later.value.delay_ms


async def test_retry_after_seconds_are_honoured():
    assert await first_retry((429, {"Retry-After": "120"})) == 120_000


async def test_a_retry_after_date_is_honoured():
    at = format_datetime(datetime.now(timezone.utc) + timedelta(seconds=90), usegmt=True)
    assert 85_000 <= await first_retry((503, {"Retry-After": at})) <= 90_000


async def test_a_retry_after_beyond_the_cap_waits_the_cap():
    assert await first_retry((503, {"Retry-After": str(365 * 24 * 3600)})) == CAP_MS


async def test_without_retry_after_it_is_the_exponential_backoff():
    assert BASE_MS <= await first_retry(500) <= 2 * BASE_MS
