"""docs/events.md: "Answer any 2xx within 10 s" (`EVENTS_WEBHOOK_TIMEOUT_SECONDS`). A receiver slower than
that holds an events thread no longer than the timeout: the attempt counts as unanswered, is logged
and retried later with the same event id, never waited out."""

from __future__ import annotations

import asyncio
import time

import pytest

from shared.events.delivery import RetryLater, deliver
from shared.events.emit import stage_event
from shared.tenancy.db import tenant_tx
from tests.events.support import add_endpoint, deliveries, fresh_seller
from tests.support import serve

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]


class SlowReceiver:
    """Takes every request and answers 200 only after `delay` seconds."""

    def __init__(self, delay: float) -> None:
        self.delay, self.calls = delay, 0
        self.url = ""

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        while (await receive()).get("more_body"):
            pass
        self.calls += 1
        await asyncio.sleep(self.delay)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})


async def test_a_receiver_slower_than_the_timeout_is_retried_not_waited_for(monkeypatch):
    monkeypatch.setenv("EVENTS_WEBHOOK_ALLOW_PRIVATE_URLS", "true")  # the receiver listens on loopback
    monkeypatch.setenv("EVENTS_WEBHOOK_TIMEOUT_SECONDS", "1")
    seller = await fresh_seller("ev-slow")
    receiver = SlowReceiver(delay=3)
    async with serve(receiver) as client:
        receiver.url = f"{client.base_url}/bokai/events"
        await add_endpoint(seller.tenant_id, receiver.url)
        async with tenant_tx(seller.tenant_id):
            [job] = await stage_event(seller.tenant_id, "channel.broken", {"channelAccountId": "a-1"})
        started = time.monotonic()
        with pytest.raises(RetryLater):
            await deliver(seller.tenant_id, job.args[1])
        took = time.monotonic() - started

    assert receiver.calls == 1
    assert took < 2.5, f"the attempt waited {took:.1f} s for a receiver the timeout gives 1 s"
    [entry] = await deliveries(seller.tenant_id)
    assert (entry.status, entry.attempts, entry.response_code) == ("pending", 1, None)
    assert entry.last_error == "no answer (ReadTimeout)"
