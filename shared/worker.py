"""Entry point of the Dramatiq worker: `dramatiq shared.worker`.

Importing this module registers every actor and opens the per-process pools on the worker's
event loop (never per message).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

# The worker image sets WORKER_METRICS=1 (Dockerfile.fn): dramatiq then serves Prometheus metrics on
# dramatiq_prom_port (9191) from a forked exporter, gathering every worker process's values from
# files. prometheus_client picks that multi-process mode when it is first imported, so the
# directory is set before anything below imports it (our own metrics live in shared.ops.metrics).
# Off by default so local runs bind no extra port.
WORKER_METRICS = os.environ.get("WORKER_METRICS") == "1"
if WORKER_METRICS:
    from dramatiq.middleware.prometheus import DB_PATH, Prometheus

    os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", DB_PATH)

from shared.broker import broker  # noqa: E402
from shared.infra.llm import LlmSettings  # noqa: E402
from shared.infra.postgres import close_pool, open_pool  # noqa: E402
from shared.infra.redis import close_redis, open_redis  # noqa: E402
from shared.ops.heartbeat import Heartbeat  # noqa: E402
from shared.ops.metrics import initialise_worker_series  # noqa: E402
from shared.ops.stats import refresh_database_gauges, refresh_queue_gauges  # noqa: E402
from shared.ops.supervisor import WorkerSupervisor  # noqa: E402
from shared.queue_classes import idle_poll_ms  # noqa: E402
from shared.settings import load  # noqa: E402
from shared.outbox.relay import OutboxRelay  # noqa: E402

# Actor modules are listed here as domains add them; importing registers the actors. Reply senders
# are not actors: shared/channels/registry.py lists them, and the delivery actor imports it.
ACTOR_MODULES: tuple[str, ...] = ("shared.knowledge.actors", "shared.conversations.actors", "shared.ai.actors",
                                  "shared.channels.actors", "shared.inbox.actors",
                                  "shared.events.actors", "shared.knowledge.idle_tenants")

logger = logging.getLogger("bokai.worker")


class ProcessResources(dramatiq.Middleware):
    """Opens the Postgres pool and the process-wide Redis client when a worker process boots and
    closes them on shutdown (tenancy records sellers' Weaviate use and channels take posting slots
    through that client)."""

    def before_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # Before its consumers exist (they copy it): how soon an idle consumer sees a new job.
        worker.worker_timeout = idle_poll_ms(worker.consumer_whitelist)
        # Before the worker threads start (the AsyncIO middleware, added first, has started the
        # loop by now): a job taken at once from a backlog must find the pool open, or its
        # transaction would use a stray connection the pool then refuses to take back.
        get_event_loop_thread().run_coroutine(open_pool())
        get_event_loop_thread().run_coroutine(open_redis())
        initialise_worker_series({load(LlmSettings).model})

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # The queues this process consumes (``--queues``: one priority class), not every declared one.
        consumed = sorted(q for q in worker.consumers if not q.endswith(".DQ"))
        ready_file = os.environ.get("WORKER_READY_FILE")
        if ready_file:
            Path(ready_file).write_text(",".join(consumed) or "none yet")
        logger.info("worker ready, queues: %s", consumed)

    def after_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        # After the worker threads finished their jobs (and before the AsyncIO middleware, added
        # first and so called last, stops the loop): in-flight jobs keep their pool to the end.
        get_event_loop_thread().run_coroutine(close_redis())
        get_event_loop_thread().run_coroutine(close_pool())


broker.add_middleware(ProcessResources())


def refresh_gauges() -> None:
    """Each supervisor tick: the system gauges (backlogs, ages, connections, queues), and the idle
    tenants sweep when its interval has passed (coalesced across worker processes in Redis). Each
    part on its own: Postgres being away keeps the queue gauges (Redis) fresh, and the other way round."""
    from shared.knowledge.idle_tenants import schedule_sweep

    parts = (("database gauges", lambda: get_event_loop_thread().run_coroutine(refresh_database_gauges())),
             ("queue gauges", lambda: refresh_queue_gauges(broker)),
             ("idle tenants sweep", lambda: get_event_loop_thread().run_coroutine(schedule_sweep())))
    failed = []
    for name, part in parts:
        try:
            part()
        except Exception as problem:  # noqa: BLE001 — a server away; the next tick tries again
            failed.append(f"{name}: {type(problem).__name__}")
    if failed:
        raise RuntimeError("; ".join(failed))


# After the pool is open: the relay enqueues committed jobs whose first enqueue failed, the
# supervisor repairs what a Redis restart or a killed worker leaves behind.
broker.add_middleware(OutboxRelay())
broker.add_middleware(WorkerSupervisor(on_tick=refresh_gauges))
broker.add_middleware(Heartbeat())

if WORKER_METRICS:
    broker.add_middleware(Prometheus())

for module in ACTOR_MODULES:
    __import__(module)
