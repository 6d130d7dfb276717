"""Worker liveness: "this process is alive", never "its servers are".

Every ``WORKER_HEARTBEAT_INTERVAL_SECONDS`` one thread touches ``WORKER_LIVENESS_FILE`` (the
Kubernetes liveness probe reads its age) and another records the beat in Redis for the health check
(``shared.ops.presence``): the file never waits for a server (a Redis call can take seconds to fail), so an outage of either, however long, never makes Kubernetes restart workers that
will carry on by themselves once it ends (the supervisor and the patient broker see to that). What
still stops the beat: the process hanging as a whole, or its event loop not answering for
``loop_stall_seconds`` — longer than any job may take, so a blocked loop is stuck, not busy.
"""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import dramatiq
from dramatiq.asyncio import get_event_loop_thread

from shared.ops.presence import HeartbeatSettings, forget, members_for, record_beat
from shared.settings import load

logger = logging.getLogger("bokai.worker")


async def _answer() -> None:
    return None


class Heartbeat(dramatiq.Middleware):
    def __init__(self) -> None:
        self._stop = threading.Event()
        self._broker = None
        self._members: list[str] = []
        self._loop_answered_at = time.monotonic()
        self._loop_probe: Future | None = None
        self._redis_failing = False

    def after_worker_boot(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._broker = broker
        self._members = members_for([q for q in worker.consumers if not q.endswith(".DQ")])
        self.touch_liveness()
        self.record()
        threading.Thread(target=self._every_interval, args=(self.touch_liveness,), name="bokai-liveness",
                         daemon=True).start()
        threading.Thread(target=self._every_interval, args=(self.record,), name="bokai-heartbeat",
                         daemon=True).start()

    def before_worker_shutdown(self, broker: dramatiq.Broker, worker: dramatiq.Worker) -> None:
        self._stop.set()
        try:
            forget(broker.client, broker.namespace, self._members)
        except Exception:  # noqa: BLE001 — Redis away: the record goes stale by itself
            pass

    def _every_interval(self, beat) -> None:
        interval = load(HeartbeatSettings).interval_seconds
        while not self._stop.wait(interval):
            try:
                beat()
            except Exception as problem:  # noqa: BLE001 — the heartbeat must never die
                logger.warning("worker heartbeat failed: %s", type(problem).__name__)

    def loop_answering(self) -> bool:
        """Whether the worker's event loop ran a no-op within ``loop_stall_seconds`` (asked without waiting)."""
        if self._loop_probe is None or self._loop_probe.done():
            if self._loop_probe is not None:
                self._loop_answered_at = time.monotonic()
            loop = get_event_loop_thread()
            self._loop_probe = asyncio.run_coroutine_threadsafe(_answer(), loop.loop) if loop else None
        return time.monotonic() - self._loop_answered_at < load(HeartbeatSettings).loop_stall_seconds

    def touch_liveness(self) -> None:
        liveness = os.environ.get("WORKER_LIVENESS_FILE")
        if liveness and self.loop_answering():
            Path(liveness).touch()

    def record(self) -> None:
        try:
            record_beat(self._broker.client, self._broker.namespace, self._members)
            if self._redis_failing:
                logger.info("worker heartbeat recorded in Redis again")
            self._redis_failing = False
        except Exception as problem:  # noqa: BLE001 — Redis away: the health check will say so
            if not self._redis_failing:
                logger.warning("worker heartbeat not recorded in Redis (%s)", type(problem).__name__)
            self._redis_failing = True
