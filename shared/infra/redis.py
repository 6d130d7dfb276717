"""Redis connection settings, the process-wide async client and the broker's sync client.

Every client survives a Redis restart: a pooled connection idle longer than the health-check
interval is checked (PING) before use, and a command failing on a dropped connection or a timeout
is retried on a fresh connection with a short backoff, so a restart costs a pause, not a 500.
"""

from __future__ import annotations

from typing import Any, ClassVar

import redis
from redis.asyncio import Redis
from redis.asyncio.retry import Retry as AsyncRetry
from redis.backoff import ExponentialWithJitterBackoff
from redis.retry import Retry

from shared.settings import Settings, load


class RedisSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "REDIS_"
    url: str = "redis://127.0.0.1:6379/0"
    # Dramatiq keys live under this namespace, apart from tenant keys ("t:<tenant>:...").
    broker_namespace: str = "bokai-tasks"
    # The job queues' Redis when it is not the one above (e.g. a persistent instance for jobs and
    # another for sessions and rate limits); empty means the same.
    broker_url: str = ""
    health_check_interval_seconds: int = 10
    connect_timeout_seconds: float = 3.0
    socket_timeout_seconds: float = 10.0
    # Retries of one command after a connection error or timeout (backoff 50 ms doubling to 1 s):
    # enough to ride out a restart's reconnect, short enough that a request fails in ~2 s when
    # Redis is really gone (callers then rely on the outbox or answer 503).
    command_retries: int = 3


def client_options(settings: RedisSettings, *, asynchronous: bool) -> dict[str, Any]:
    retry_class = AsyncRetry if asynchronous else Retry
    return {
        "health_check_interval": settings.health_check_interval_seconds,
        "socket_connect_timeout": settings.connect_timeout_seconds,
        "socket_timeout": settings.socket_timeout_seconds,
        "socket_keepalive": True,
        "retry": retry_class(ExponentialWithJitterBackoff(base=0.05, cap=1.0), settings.command_retries),
        "retry_on_error": [redis.ConnectionError, redis.TimeoutError],
    }


def make_redis() -> Redis:
    settings = load(RedisSettings)
    return Redis.from_url(settings.url, decode_responses=False, **client_options(settings, asynchronous=True))


def make_sync_redis(settings: RedisSettings | None = None) -> redis.Redis:
    """The synchronous client Dramatiq's broker uses (enqueueing from functions, the worker's consumers)."""
    settings = settings or load(RedisSettings)
    return redis.Redis.from_url(settings.broker_url or settings.url, **client_options(settings, asynchronous=False))


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
