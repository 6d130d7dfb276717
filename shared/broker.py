"""The Dramatiq broker (Redis) and enqueueing by actor name.

Dramatiq binds actors to the global broker when their module is imported, so the broker is set up
here, at import. Functions enqueue by actor name (``enqueue``) and never import actor modules, which
keeps LLM and vector-store clients out of their images.

``ResilientRedisBroker`` adds what a Redis restart needs: it notes when Redis was unreachable (the
worker's supervisor then recovers jobs held in memory, ``shared.ops.supervisor``), runs Dramatiq's
dead-worker maintenance on demand instead of only by chance, and inside a worker keeps retrying an
enqueue until Redis answers — a retry or a released delayed job is never dropped because Redis was
restarting. In functions an enqueue fails fast instead: their jobs are in the outbox.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import ClassVar

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware.asyncio import AsyncIO

from shared.infra.redis import RedisSettings, make_sync_redis
from shared.settings import Settings, load

logger = logging.getLogger("bokai.broker")
REDIS_DOWN = (redis.ConnectionError, redis.TimeoutError)


class BrokerSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "BROKER_"
    # A worker process silent this long is dead: its unfinished jobs go back to their queues.
    # Live workers talk to Redis at least every second, and their supervisor every interval below.
    heartbeat_timeout_seconds: float = 30.0
    # Dramatiq's own chance (per million Redis commands) of running that maintenance on one queue...
    maintenance_chance: int = 1000
    # ...and every worker's supervisor runs it on every queue this often, so a killed worker's jobs
    # are back within heartbeat_timeout + this interval, not whenever chance has it.
    maintenance_interval_seconds: float = 10.0


class ResilientRedisBroker(RedisBroker):
    def __init__(self, **options) -> None:
        self.connection_lost = threading.Event()
        # Set by the worker at boot: enqueues wait for Redis instead of failing (see module doc).
        self.patient = False
        self.stopping = threading.Event()
        self._forced_maintenance = threading.local()
        super().__init__(**options)

    def _should_do_maintenance(self, command: str) -> int:
        if getattr(self._forced_maintenance, "on", False):
            return 1
        return super()._should_do_maintenance(command)

    def run_maintenance(self, queue_name: str) -> None:
        """Requeue the unfinished jobs of dead workers on ``queue_name`` now."""
        self._forced_maintenance.on = True
        try:
            self.do_qsize(queue_name)
        finally:
            self._forced_maintenance.on = False

    def __getattr__(self, name: str):
        dispatch = super().__getattr__(name)

        def noting_connection_loss(*args):
            try:
                return dispatch(*args)
            except REDIS_DOWN:
                self.connection_lost.set()
                raise

        return noting_connection_loss

    def enqueue(self, message: dramatiq.Message, *, delay: int | None = None) -> dramatiq.Message:
        started = next_log = time.monotonic()
        while True:
            try:
                return super().enqueue(message, delay=delay)
            except REDIS_DOWN as problem:
                if not self.patient or self.stopping.is_set():
                    raise
                if time.monotonic() >= next_log:
                    logger.warning("Redis unreachable (%s) for %.0f s; holding a %s job until it is back",
                                   type(problem).__name__, time.monotonic() - started, message.actor_name)
                    next_log = time.monotonic() + 30
                time.sleep(min(5.0, 0.5 + (time.monotonic() - started) / 10))


def _make_broker() -> ResilientRedisBroker:
    settings, tuning = load(RedisSettings), load(BrokerSettings)
    redis_broker = ResilientRedisBroker(
        client=make_sync_redis(settings), namespace=settings.broker_namespace,
        heartbeat_timeout=int(tuning.heartbeat_timeout_seconds * 1000),
        maintenance_chance=tuning.maintenance_chance,
    )
    redis_broker.add_middleware(AsyncIO())
    return redis_broker


broker = _make_broker()
dramatiq.set_broker(broker)


def enqueue(queue_name: str, actor_name: str, *ids: str, delay_ms: int | None = None) -> str:
    """Enqueue ``actor_name`` with string ids only; call after the transaction creating the work commits."""
    message = dramatiq.Message(
        queue_name=queue_name, actor_name=actor_name, args=tuple(ids), kwargs={}, options={}
    )
    return broker.enqueue(message, delay=delay_ms).message_id
