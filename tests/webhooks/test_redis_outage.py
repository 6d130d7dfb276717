"""A webhook accepted while Redis is down: the event is stored and its job sits in the outbox, so the
sender gets 202, not a 500 that makes it retry (issue 22)."""

from __future__ import annotations

import json
import secrets
import uuid

import pytest

from functions.webhooks.handler import app as webhooks_app
import shared.broker
import shared.infra.redis
from shared.broker import ResilientRedisBroker
from shared.infra.redis import make_sync_redis
from shared.outbox.tables import OutboxJob
from shared.tenancy.db import tenant_tx
from tests.support import post_signed, serve
from tests.webhooks.support import add_channel

pytestmark = pytest.mark.integration


async def test_a_signed_message_is_accepted_while_redis_is_down(db_pool, seller, private_redis, monkeypatch):
    # The function's own Redis client (throttle, replay guard, enqueue) is the private one, stopped below.
    monkeypatch.setenv("REDIS_URL", private_redis.url)
    # The process-wide async client is made once per process: one an earlier test opened in-process
    # (shared.channels.ratelimit.channel_redis opens it on first use and nothing closes it) points at
    # the stack's Redis, which stays up; the replay guard then records the first request there and
    # the second, signed in the same second, is a 409 replay (CI, 2026-12-05).
    monkeypatch.setattr(shared.infra.redis, "_client", None)
    monkeypatch.setattr(shared.infra.redis, "_client_users", 0)
    monkeypatch.delenv("REDIS_BROKER_URL", raising=False)
    monkeypatch.setattr(shared.broker, "broker", ResilientRedisBroker(client=make_sync_redis(),
                                                                      namespace=shared.broker.broker.namespace))
    secret = secrets.token_urlsafe(24)
    account_id = await add_channel(seller.tenant_id, "generic", {"webhookSecret": secret})
    path = f"/channels/{seller.tenant_id}/{account_id}/messages"
    ref = f"m-{uuid.uuid4().hex[:8]}"
    body = json.dumps({"messageId": ref, "conversationId": "c-1", "text": "Czy paczka już wyszła?",
                       "sentAt": "2026-12-01T10:00:00+01:00"}).encode()
    async with serve(webhooks_app, timeout=30) as client:
        private_redis.stop()
        response = await post_signed(client, path, body, secret)
        assert response.status_code == 202, response.text
        assert response.json()["duplicate"] is False
        private_redis.start()
        again = await post_signed(client, path, body, secret)
    assert again.status_code == 202 and again.json()["duplicate"] is True
    async with tenant_tx(seller.tenant_id):
        unsent = await OutboxJob.count().where(OutboxJob.actor_name == "inbox.process_event",
                                        OutboxJob.sent_at.is_null())
    assert unsent == 1, "the job waits in the outbox for the relay"
