"""The Dramatiq broker (Redis) and enqueueing by actor name.

Dramatiq binds actors to the global broker when their module is imported, so the broker is set up
here, at import. Functions enqueue by actor name (``enqueue``) and never import actor modules, which
keeps LLM and vector-store clients out of their images.

``ResilientRedisBroker`` adds what a Redis restart needs: it notes when Redis was unreachable (the
worker's supervisor then recovers jobs held in memory, ``shared.ops.supervisor``), runs Dramatiq's
dead-worker maintenance on demand instead of only by chance, and inside a worker keeps retrying an
enqueue until Redis answers — a retry or a released delayed job is never dropped because Redis was
restarting. In functions an enqueue fails fast instead: their jobs are in the outbox.

Jobs of the queues in a priority class (``shared.queue_classes``) are shared fairly between sellers:
an enqueue stages the job in its seller's lane and a worker's fetch releases lanes round robin
(``shared.fair_queue``); ``FairShareSlots`` frees a seller's slot when the job ends.
``ModelServerPriority`` makes a job's model-server calls interactive or background by its class;
``CrashingJobs`` gives up a job that keeps crashing its worker (``shared.crashing_jobs``).
``OutageAwareRetries`` lets a job wait out Postgres or Redis being away instead of spending its retries
on it: a five-minute database outage used to exhaust a reply job's retries and then its hand-off's, and
the customer's message was left undecided.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import ClassVar

import dramatiq
import redis
from dramatiq.brokers.redis import RedisBroker
from dramatiq.common import current_millis
from dramatiq.middleware import Retries
from dramatiq.middleware.asyncio import AsyncIO

from shared.crashing_jobs import CrashingJobs
from shared.fair_queue import FairQueues, lane_of
from shared.infra.fairness import set_job_interactive
from shared.infra.redis import RedisSettings, make_sync_redis
from shared.infra.retry_policy import is_outage, retry_delay_ms
from shared.queue_classes import per_seller_cap, serves_a_waiting_person
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
    # Stage class jobs in per-seller lanes (fair queueing). Off: enqueues go straight to the queue
    # lists while workers still release what is staged — the way back to code without lanes.
    fair_queues: bool = True
    # A job failing because Postgres or Redis is away waits for it (every 2 s growing to 60 s) without
    # spending its retries, for at most this long after it was first enqueued; then its retries count.
    outage_patience_seconds: float = 24 * 3600


# Dramatiq's default time limit, for actors that set none.
DEFAULT_TIME_LIMIT_MS = 10 * 60 * 1000


class ResilientRedisBroker(RedisBroker):
    def __init__(self, **options) -> None:
        self.connection_lost = threading.Event()
        # Set by the worker at boot: enqueues wait for Redis instead of failing (see module doc).
        self.patient = False
        self.stopping = threading.Event()
        self._forced_maintenance = threading.local()
        self._impatient = threading.local()
        self._stale_ms: dict[str, int] = {}
        super().__init__(**options)
        self.fair = FairQueues(self.client, lambda: self.namespace)

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

    def _noting(self, call, *args, **kwargs):
        try:
            return call(*args, **kwargs)
        except REDIS_DOWN:
            self.connection_lost.set()
            raise

    def do_enqueue(self, queue_name: str, redis_message_id: str, data: bytes) -> None:
        if per_seller_cap(queue_name) is None or not load(BrokerSettings).fair_queues:
            return self._noting(self._dispatch("enqueue"), queue_name, redis_message_id, data)
        lane = lane_of(dramatiq.Message.decode(data).args)
        return self._noting(self.fair.stage, queue_name, lane, redis_message_id, data)

    def do_fetch(self, queue_name: str, room: int) -> list:
        cap = per_seller_cap(queue_name)
        if cap is not None:
            self._noting(self.fair.release, queue_name, room, cap=cap, stale_ms=self.stale_ms(queue_name))
        return self._noting(self._dispatch("fetch"), queue_name, room)

    def stale_ms(self, queue_name: str) -> int:
        """How long after its release a seller's slot frees itself when the job's end was never
        recorded: longer than any job of the queue may run, plus a dead worker's recovery."""
        if queue_name not in self._stale_ms:
            limits = [actor.options.get("time_limit", DEFAULT_TIME_LIMIT_MS) for actor in self.actors.values()
                      if actor.queue_name == queue_name] or [DEFAULT_TIME_LIMIT_MS]
            tuning = load(BrokerSettings)
            self._stale_ms[queue_name] = int(max(limits) + self.heartbeat_timeout
                                             + (tuning.maintenance_interval_seconds + 60) * 1000)
        return self._stale_ms[queue_name]

    def flush(self, queue_name: str) -> None:
        super().flush(queue_name)
        self.fair.purge(queue_name)

    def enqueue(self, message: dramatiq.Message, *, delay: int | None = None) -> dramatiq.Message:
        # When it entered the queue (a retry or a released delay: again), for the oldest-job age.
        message = message.copy(options={"enqueued_at": current_millis()})
        started = next_log = time.monotonic()
        while True:
            try:
                return super().enqueue(message, delay=delay)
            except REDIS_DOWN as problem:
                if not self.patient or self.stopping.is_set() or getattr(self._impatient, "on", False):
                    raise
                if time.monotonic() >= next_log:
                    logger.warning("Redis unreachable (%s) for %.0f s; holding a %s job until it is back",
                                   type(problem).__name__, time.monotonic() - started, message.actor_name)
                    next_log = time.monotonic() + 30
                time.sleep(min(5.0, 0.5 + (time.monotonic() - started) / 10))


class FairShareSlots(dramatiq.Middleware):
    """Frees the seller's slot of a fair queue once a job ended (processed, failed or skipped); a
    retry is a new job that queues in the seller's lane again."""

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message, *,
                              result=None, exception=None) -> None:
        self._free(broker, message)

    def after_skip_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        self._free(broker, message)

    @staticmethod
    def _free(broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        if not isinstance(broker, ResilientRedisBroker) or per_seller_cap(message.queue_name) is None:
            return
        try:
            broker.fair.done(message.queue_name, lane_of(message.args), message.options["redis_message_id"])
        except (*REDIS_DOWN, KeyError) as problem:
            # The slot frees itself after the queue's stale time.
            logger.warning("seller slot of a %s job not freed: %s", message.actor_name, type(problem).__name__)


class ModelServerPriority(dramatiq.Middleware):
    """Every model-server call of a job is interactive when its queue's class has a person waiting
    (``shared.queue_classes.serves_a_waiting_person``) and background otherwise: deciding and writing a
    reply embed on the interactive server, ingestion on the background one."""

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        # Set on the worker thread; the async actor's coroutine starts from a copy of its context.
        set_job_interactive(serves_a_waiting_person(message.queue_name))

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message, *,
                              result=None, exception=None) -> None:
        set_job_interactive(False)

    def after_skip_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        set_job_interactive(False)


class OutageAwareRetries(Retries):
    """Dramatiq's retries, except that a failure which is our own server being away (``is_outage``) is
    waited out: re-enqueued with its own growing delay, ``retries`` untouched, until the server answers
    or ``outage_patience_seconds`` have passed since the job was first enqueued."""

    OUTAGE_FIRST_DELAY_MS, OUTAGE_MAX_DELAY_MS = 2_000, 60_000

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message, *,
                              result=None, exception=None) -> None:
        patience_ms = load(BrokerSettings).outage_patience_seconds * 1000
        if exception is not None and is_outage(exception) and current_millis() - message.message_timestamp < patience_ms:
            waits = message.options.get("outage_waits", 0) + 1
            message.options["outage_waits"] = waits
            delay = retry_delay_ms(waits, None, base_ms=self.OUTAGE_FIRST_DELAY_MS, max_ms=self.OUTAGE_MAX_DELAY_MS)
            logger.warning("a %s job waits %d ms for %s (an outage: not counted as a retry)", message.actor_name,
                           delay, type(exception).__name__)
            broker.enqueue(message, delay=delay)
            return
        super().after_process_message(broker, message, result=result, exception=exception)


def _make_broker() -> ResilientRedisBroker:
    settings, tuning = load(RedisSettings), load(BrokerSettings)
    redis_broker = ResilientRedisBroker(
        client=make_sync_redis(settings), namespace=settings.broker_namespace,
        heartbeat_timeout=int(tuning.heartbeat_timeout_seconds * 1000),
        maintenance_chance=tuning.maintenance_chance,
    )
    # In Dramatiq's own place among the default middleware (the order after-process hooks run in).
    redis_broker.middleware[:] = [OutageAwareRetries() if type(m) is Retries else m
                                  for m in redis_broker.middleware]
    redis_broker.add_middleware(AsyncIO())
    redis_broker.add_middleware(FairShareSlots())
    redis_broker.add_middleware(ModelServerPriority())
    redis_broker.add_middleware(CrashingJobs())
    return redis_broker


broker = _make_broker()
dramatiq.set_broker(broker)


def enqueue(queue_name: str, actor_name: str, *ids: str, delay_ms: int | None = None) -> str:
    """Enqueue ``actor_name`` with string ids only; call after the transaction creating the work commits."""
    message = dramatiq.Message(
        queue_name=queue_name, actor_name=actor_name, args=tuple(ids), kwargs={}, options={}
    )
    # No delay goes straight to the queue: Dramatiq sends any delay, 0 included, through the delay
    # queue, one more idle poll before a worker sees the job.
    return broker.enqueue(message, delay=delay_ms or None).message_id


def enqueue_or_fail(queue_name: str, actor_name: str, *ids: str) -> str:
    """``enqueue`` that raises at once while Redis is away, even in a worker (whose enqueues otherwise
    wait for Redis): for a periodic job that follows no database change, whose next tick tries again.
    Blocking: call it from a thread (``asyncio.to_thread``), never on an event loop."""
    broker._impatient.on = True
    try:
        return enqueue(queue_name, actor_name, *ids)
    finally:
        broker._impatient.on = False
