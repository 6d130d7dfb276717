"""Worker heartbeats in the broker's Redis: which priority classes have a live worker, and since when.

Each worker process records one member per class it consumes in a sorted set scored by the time of
its last beat; ``GET /function/health/`` reads it, so a dead worker shows there within
``stale_after_seconds`` instead of the health check staying green while nobody processes messages.
"""

from __future__ import annotations

import os
import socket
import time
from typing import ClassVar

import msgspec
import redis.asyncio

from shared.infra.redis import RedisSettings, client_options
from shared.queue_classes import CLASS_OF_QUEUE, QUEUE_CLASSES
from shared.settings import Settings, load

# Members not refreshed for this long are dropped by the writers (a process gone for an hour is
# history, not news); the reader only counts those fresher than ``stale_after_seconds``.
FORGET_AFTER_SECONDS = 3600


class HeartbeatSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "WORKER_HEARTBEAT_"
    # How often a worker process beats (liveness file and Redis record).
    interval_seconds: float = 5.0
    # A class whose youngest beat is older than this has no live worker: the health check says degraded.
    stale_after_seconds: float = 30.0
    # The liveness file is no longer touched once the worker's event loop has not answered this long
    # (blocked for longer than any job may run — Dramatiq's default time limit, 10 min — is stuck).
    loop_stall_seconds: float = 600.0


class ClassWorkers(msgspec.Struct, rename="camel"):
    alive: int
    # Seconds since the class's most recent beat; None: no worker of this class has beaten recently.
    last_heartbeat_age_seconds: float | None = None


def presence_key(namespace: str) -> str:
    return f"{namespace}:worker-heartbeats"


def members_for(queues: list[str]) -> list[str]:
    """This process's members: ``<class>/<host>/<pid>`` for each class among its queues."""
    classes = sorted({CLASS_OF_QUEUE[q] for q in queues if q in CLASS_OF_QUEUE}) or ["unclassified"]
    return [f"{name}/{socket.gethostname()}/{os.getpid()}" for name in classes]


def record_beat(client, namespace: str, members: list[str], now: float | None = None) -> None:
    """One beat of this process (synchronous client: the heartbeat runs in its own thread)."""
    now = time.time() if now is None else now
    key = presence_key(namespace)
    with client.pipeline(transaction=False) as pipe:
        pipe.zadd(key, dict.fromkeys(members, now))
        pipe.zremrangebyscore(key, "-inf", now - FORGET_AFTER_SECONDS)
        pipe.execute()


def forget(client, namespace: str, members: list[str]) -> None:
    """A worker shutting down cleanly leaves at once instead of going stale."""
    client.zrem(presence_key(namespace), *members)


async def workers_by_class() -> dict[str, ClassWorkers]:
    """Every priority class with its live workers, read from the broker's Redis."""
    settings, tuning = load(RedisSettings), load(HeartbeatSettings)
    client = redis.asyncio.Redis.from_url(settings.broker_url or settings.url,
                                          **client_options(settings, asynchronous=True))
    try:
        beats = await client.zrange(presence_key(settings.broker_namespace), 0, -1, withscores=True)
    finally:
        await client.aclose()
    now = time.time()
    report = {}
    for name in QUEUE_CLASSES:
        ages = [max(0.0, now - score) for member, score in beats if member.decode().split("/", 1)[0] == name]
        fresh = [age for age in ages if age <= tuning.stale_after_seconds]
        report[name] = ClassWorkers(alive=len(fresh), last_heartbeat_age_seconds=round(min(ages), 1) if ages else None)
    return report
