"""Jobs that crash their worker (used by ``shared.broker``): bounded, and never taking a neighbour along.

A job that kills its worker process (a segfault in a parser, memory exhausted by one document, a
SIGKILL) never reaches Dramatiq's retry middleware: the process is gone, and Dramatiq's maintenance puts
the job back in its queue for the next worker, forever. ``CrashingJobs`` counts every start of a job
attempt in Redis (``<ns>:starts:<message id>:<retries>``, deleted when the attempt ends either way), so
a start count above one means the attempt was running when a worker died. Such a *suspect* runs only
while no other suspect runs (``<ns>:suspect-running``, held by the running suspect and
renewed while it runs, so a crash frees it within ``SUSPECT_HOLD_MS``): a job that was merely running
beside the crashing one is then never beside it again, and only the crashing job keeps adding starts.
Past ``max_starts`` the attempt is given up like an exhausted retry: failed into Dramatiq's dead-letter
set (``bokai_queue_dead_letters``), its actor's ``on_retry_exhausted`` job sent (the message is handed
off, the document marked failed...), ``bokai_jobs_crashing_workers_total`` counted. If Redis cannot
answer, the job runs unguarded: the guard must not become an outage.
"""

from __future__ import annotations

import logging
import threading
from typing import ClassVar

import dramatiq
import redis

from shared.settings import Settings, load

logger = logging.getLogger("bokai.broker")
# How long a suspect's hold outlives a crashed holder; renewed every third of it while the suspect runs.
SUSPECT_HOLD_MS = 6_000
# A suspect that finds another suspect running comes back this much later.
SUSPECT_WAIT_MS = 2_000
_COUNT_TTL_SECONDS = 7 * 24 * 3600  # Dramatiq's own dead-letter retention


class CrashingJobsSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "BROKER_"
    # Starts of one attempt before it is given up: the first, and two more after a worker died under it.
    max_starts: int = 3


class CrashingJobs(dramatiq.Middleware):
    def __init__(self) -> None:
        self._holding = threading.local()

    @staticmethod
    def _count_key(broker: dramatiq.Broker, message: dramatiq.Message) -> str:
        return f"{broker.namespace}:starts:{message.message_id}:{message.options.get('retries', 0)}"

    @staticmethod
    def _suspect_key(broker: dramatiq.Broker) -> str:
        # One for the deployment: the job that died beside a suspect may be of any queue of its worker.
        return f"{broker.namespace}:suspect-running"

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        client, key = broker.client, self._count_key(broker, message)
        self._holding.hold, self._holding.deferred = None, False
        try:
            with client.pipeline() as pipe:
                starts = pipe.incr(key).expire(key, _COUNT_TTL_SECONDS).execute()[0]
            if starts > load(CrashingJobsSettings).max_starts:
                self._give_up(broker, message, starts - 1)
            elif starts > 1:
                self._run_alone_or_later(broker, message, key)
        except redis.RedisError as problem:
            logger.warning("crash guard of a %s job unavailable (%s)", message.actor_name, type(problem).__name__)

    def _run_alone_or_later(self, broker: dramatiq.Broker, message: dramatiq.Message, key: str) -> None:
        suspect = self._suspect_key(broker)
        if broker.client.set(suspect, message.message_id, nx=True, px=SUSPECT_HOLD_MS):
            stop = threading.Event()
            threading.Thread(target=_renew, args=(broker.client, suspect, message.message_id, stop),
                             name="suspect-hold", daemon=True).start()
            self._holding.hold = (suspect, message.message_id, stop)
            return
        # Another suspect runs: this start did not happen; the same attempt comes back later.
        broker.client.decr(key)
        self._holding.deferred = True
        broker.enqueue(message.copy(), delay=SUSPECT_WAIT_MS)
        raise dramatiq.middleware.SkipMessage("another job that was running when a worker died runs now")

    def _give_up(self, broker: dramatiq.Broker, message: dramatiq.Message, crashes: int) -> None:
        from shared.ops.metrics import CRASHING_JOBS

        logger.warning("gave up a %s job (message %s): %d workers died running it", message.actor_name,
                       message.message_id, crashes)
        CRASHING_JOBS.labels(message.queue_name).inc()
        message.fail()  # not run; nacked into the dead-letter set
        actor = broker.get_actor(message.actor_name)
        target = message.options.get("on_retry_exhausted") or actor.options.get("on_retry_exhausted")
        if target:
            broker.get_actor(target).send(message.asdict(), {"retries": message.options.get("retries", 0),
                                                             "crashed_workers": crashes})

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.Message, *,
                              result=None, exception=None) -> None:
        self._ended(broker, message)

    def after_skip_message(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        self._ended(broker, message)

    def _ended(self, broker: dramatiq.Broker, message: dramatiq.Message) -> None:
        hold = getattr(self._holding, "hold", None)
        self._holding.hold = None
        try:
            if hold is not None:
                suspect, holder, stop = hold
                stop.set()
                if broker.client.get(suspect) == holder.encode():
                    broker.client.delete(suspect)
            if not getattr(self._holding, "deferred", False):  # a deferred attempt keeps its count
                broker.client.delete(self._count_key(broker, message))
        except redis.RedisError:
            pass  # the count expires; the hold frees itself


def _renew(client: redis.Redis, key: str, holder: str, stop: threading.Event) -> None:
    while not stop.wait(SUSPECT_HOLD_MS / 3000):
        try:
            if client.get(key) != holder.encode():
                return
            client.pexpire(key, SUSPECT_HOLD_MS)
        except redis.RedisError:
            pass
