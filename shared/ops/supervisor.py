"""A supervisor thread in every worker process: what Dramatiq does not recover from by itself.

Every ``maintenance_interval_seconds`` it
- restarts consumer threads that died (a Redis error while a consumer closes kills its thread,
  e.g. the one releasing delayed jobs, and with it every delayed job of that queue);
- after Redis was unreachable, gives the worker a new broker identity and hands the old one's jobs
  over at once (``shared.ops.handover``): those still in memory move to the new identity, those
  Dramatiq dropped from memory when its connection failed (a delay queue's in-memory jobs) go back to
  their queues — not a heartbeat timeout later;
- runs that maintenance on every queue, so a killed worker's jobs come back within
  ``heartbeat_timeout + maintenance_interval``;
- refreshes the worker's gauges (``shared.ops.stats``).
While Redis or Postgres is away a tick does what it can and the next one tries again; liveness is not
its business (``shared.ops.heartbeat``), so an outage of any length restarts no worker.
Consumers are idempotent, so a job that comes back twice does no harm.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable

import dramatiq
from dramatiq.common import dq_name
from dramatiq.worker import ConsumerThread

from shared.broker import BrokerSettings, ResilientRedisBroker
from shared.ops.handover import hand_over
from shared.ops.metrics import CONSUMER_RESTARTS, IDENTITY_ROTATIONS
from shared.settings import load

logger = logging.getLogger("bokai.worker")


class WorkerSupervisor(dramatiq.Middleware):
    def __init__(self, *, on_tick: Callable[[], None] | None = None) -> None:
        self._stop = threading.Event()
        self._worker: dramatiq.Worker | None = None
        self._broker: ResilientRedisBroker | None = None
        self._on_tick = on_tick
        self.revived = 0
        self.rotations = 0
        # Redis ids of the jobs between their processing's start and their ack (for the hand-over).
        self._running: set[str] = set()

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        assert isinstance(broker, ResilientRedisBroker)
        self._broker, self._worker = broker, worker
        broker.patient = True
        threading.Thread(target=self._run, name="bokai-supervisor", daemon=True).start()

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        self._running.add(message.options.get("redis_message_id"))

    def after_ack(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        self._running.discard(message.options.get("redis_message_id"))

    after_nack = after_ack

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()
        if isinstance(broker, ResilientRedisBroker):
            broker.stopping.set()

    def _run(self) -> None:
        interval = load(BrokerSettings).maintenance_interval_seconds
        while not self._stop.wait(interval):
            try:
                self.tick()
            except Exception as problem:  # noqa: BLE001 — the supervisor itself must never die
                logger.warning("worker supervisor tick failed: %s: %s", type(problem).__name__, problem)

    def tick(self) -> None:
        broker, worker = self._broker, self._worker
        assert broker is not None and worker is not None
        try:
            broker.client.ping()
        except Exception:  # noqa: BLE001 — Redis still away: nothing to repair yet
            broker.connection_lost.set()
            return
        revived = self._revive_dead_consumers(broker, worker)
        if revived or broker.connection_lost.is_set():
            broker.connection_lost.clear()
            old, broker.broker_id = broker.broker_id, str(uuid.uuid4())
            self.rotations += 1
            IDENTITY_ROTATIONS.inc()
            moved, requeued = hand_over(broker, worker, old, broker.broker_id, set(self._running))
            logger.warning("Redis connection was lost: worker identity %s retired; %d jobs held in memory "
                           "moved to the new identity, %d dropped ones requeued", old[:8], moved, requeued)
        for queue_name in sorted(broker.get_declared_queues()):
            broker.run_maintenance(queue_name)
            broker.run_maintenance(dq_name(queue_name))
        if self._on_tick is not None:
            self._on_tick()

    def _revive_dead_consumers(self, broker: ResilientRedisBroker, worker: dramatiq.Worker) -> int:
        revived = 0
        for queue_name, thread in list(worker.consumers.items()):
            if thread.is_alive() or self._stop.is_set():
                continue
            replacement = ConsumerThread(broker=broker, queue_name=queue_name, prefetch=thread.prefetch,
                                         work_queue=worker.work_queue, worker_timeout=worker.worker_timeout)
            replacement.start()
            worker.consumers[queue_name] = replacement
            revived += 1
            self.revived += 1
            CONSUMER_RESTARTS.inc()
            logger.warning("consumer thread of queue %s had died; restarted", queue_name)
        return revived
