"""Every Redis client survives a Redis restart: the first command after it succeeds (no 500 for
the unlucky request that gets a stale pooled connection, e.g. /auth/register's session write)."""

from __future__ import annotations

import subprocess
import time

import pytest
import redis

from shared.auth.sessions import session_alive, start_session
from shared.infra.redis import make_redis, make_sync_redis
from tests.support import free_port

pytestmark = pytest.mark.integration


class RestartableRedis:
    def __init__(self, directory) -> None:
        self.port, self.directory, self.process = free_port(), directory, None
        self.url = f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
                                         "--dir", str(self.directory), "--appendonly", "yes", "--save", ""],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        probe = redis.Redis.from_url(self.url)
        for _ in range(100):
            try:
                probe.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        raise RuntimeError("redis-server did not start")

    def restart(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
        self.start()


@pytest.fixture
def server(tmp_path, monkeypatch):
    restartable = RestartableRedis(tmp_path)
    restartable.start()
    monkeypatch.setenv("REDIS_URL", restartable.url)
    monkeypatch.delenv("REDIS_BROKER_URL", raising=False)
    yield restartable
    restartable.process.terminate()
    restartable.process.wait(timeout=10)


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
