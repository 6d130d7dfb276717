"""Redis connection settings and the process-wide async client."""

from __future__ import annotations

from typing import ClassVar

from redis.asyncio import Redis

from shared.settings import Settings, load


class RedisSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "REDIS_"
    url: str = "redis://127.0.0.1:6379/0"
    # Dramatiq keys live under this namespace, apart from tenant keys ("t:<tenant>:...").
    broker_namespace: str = "bokai-tasks"


def make_redis() -> Redis:
    return Redis.from_url(load(RedisSettings).url, decode_responses=False)


_client: Redis | None = None
# Like the Postgres pool: several apps may share a process (the local gateway, tests), so the
# client is created by the first app that starts and closed by the last one that stops.
_client_users = 0


async def open_redis() -> None:
    """Create the process-wide client once (app lifespan); its pool connects lazily."""
    global _client, _client_users
    _client_users += 1
    if _client is None:
        _client = make_redis()


async def close_redis() -> None:
    global _client, _client_users
    _client_users = max(0, _client_users - 1)
    if _client_users == 0 and _client is not None:
        client, _client = _client, None
        await client.aclose()


def redis_client() -> Redis:
    if _client is None:
        raise RuntimeError("Redis client is not open: add open_redis to the app's on_startup")
    return _client
