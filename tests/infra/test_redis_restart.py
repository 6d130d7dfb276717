"""Every Redis client survives a Redis restart: the first command after it succeeds (no 500 for
the unlucky request that gets a stale pooled connection, e.g. /auth/register's session write)."""

from __future__ import annotations

import pytest

from shared.auth.sessions import session_alive, start_session
from shared.infra.redis import make_redis, make_sync_redis
from tests.private_redis import PrivateRedis

pytestmark = pytest.mark.integration


@pytest.fixture
def server(tmp_path, monkeypatch):
    restartable = PrivateRedis(tmp_path)
    restartable.start()
    monkeypatch.setenv("REDIS_URL", restartable.url)
    monkeypatch.delenv("REDIS_BROKER_URL", raising=False)
    yield restartable
    restartable.stop()


async def test_async_client_and_sessions_work_right_after_a_restart(server):
    client = make_redis()
    try:
        session, _ = await start_session(client, user_id="u-1", tenant_id="6f1c0c1e-0000-4000-8000-000000000001",
                                         ttl_seconds=600)
        assert await session_alive(client, session.family_id)  # the pool now holds a connection
        server.restart()
        # The pooled connection is dead; the command is retried on a new one instead of failing.
        assert await session_alive(client, session.family_id)
    finally:
        await client.aclose()


def test_broker_client_works_right_after_a_restart(server):
    client = make_sync_redis()
    client.set("k", b"v")
    server.restart()
    assert client.get("k") == b"v"
