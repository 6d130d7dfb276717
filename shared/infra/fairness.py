"""Fair sharing of a model server (embeddings, LLM) between sellers, across every process.

A local embedding server runs one inference at a time, so whoever queues the most text decides how
long everyone else waits. Each call therefore takes a slot of its *lane* first — the seller's lane when
the caller declared one (``lane(name)``; a seller's is ``shared.tenancy.fairness.tenant_lane``), else the shared background lane — so one
seller never has more than ``per_lane`` calls queued at the server. Background calls of all lanes
together may also be capped (``background_total``), so they do not pile up at a server that runs one
at a time. Interactive calls (a person waiting: kb search, curated-answer match) go first: background
calls do not start while one waits, so with a cap of 1 a person's call finds at most one ahead of it.
Waiting is bounded: past ``wait_seconds`` the call fails fast with ``ModelServerBusy`` instead of
queueing behind another seller. Slots are leases: redis-py locks that expire ``lease_seconds`` after
their holder last renewed them, renewed while the call runs (at most ``hold_seconds``), so a killed
process — or one whose release was lost to a Redis outage — frees its slots within a lease instead of
after the longest call a server may take (a restarted worker did no AI work for up to a minute). A
person's call waiting or running is a lease too (a member of a sorted set scored by its expiry), never
a counter a dead process could leave raised. If Redis itself is unreachable the gate lets calls
through: fairness must not become an outage.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID, uuid4

from redis.asyncio import Redis
from redis.exceptions import LockError, RedisError


logger = logging.getLogger("bokai.fairness")
BACKGROUND_LANE = "background"
_POLL_SECONDS = 0.02
# Background callers poll less often: several of them polling Redis every 20 ms is itself CPU work on a
# small machine, and a call that runs for a second loses little to a slower hand-over.
_BACKGROUND_POLL_SECONDS = 0.05
_TICKET_MS = 3000


@dataclass(frozen=True)
class Lane:
    name: str  # a tenant id, or BACKGROUND_LANE
    interactive: bool


_lane: ContextVar[Lane | None] = ContextVar("bokai_fair_lane", default=None)
# Whether the job being processed has a person waiting on it: set for each job by its queue's priority
# class (``shared.broker.ModelServerPriority``), so every model-server call the job makes is interactive
# or not by one rule, not by a flag at each call site.
_job_interactive: ContextVar[bool] = ContextVar("bokai_job_interactive", default=False)


@contextmanager
def lane(name: str, *, interactive: bool | None = None) -> Iterator[None]:
    """A lane by any stable per-seller name (e.g. the seller's LLM cache salt when no id is at hand);
    interactive or not as the current job is, unless the caller (an HTTP request) says."""
    token = _lane.set(Lane(name, _job_interactive.get() if interactive is None else interactive))
    try:
        yield
    finally:
        _lane.reset(token)


def current_lane() -> Lane:
    return _lane.get() or Lane(BACKGROUND_LANE, _job_interactive.get())


def set_job_interactive(interactive: bool) -> None:
    """For the job about to run on this worker thread (its coroutine inherits the context)."""
    _job_interactive.set(interactive)


class ModelServerBusy(Exception):
    """The model server is busy with other work longer than this call may wait."""


class FairGate:
    def __init__(self, redis: Redis, server: str, *, per_lane: int = 2, background_total: int | None = None,
                 wait_seconds: float = 20.0, interactive_wait_seconds: float = 5.0,
                 hold_seconds: float = 60.0, lease_seconds: float = 10.0) -> None:
        self._redis = redis
        self._server = server
        self.per_lane = per_lane
        self.background_total = background_total
        self.wait_seconds = wait_seconds
        self.interactive_wait_seconds = interactive_wait_seconds
        self.hold_seconds = hold_seconds
        self.lease_seconds = min(lease_seconds, hold_seconds)

    def _slot_names(self, lane: Lane) -> list[str]:
        try:
            # Tenant lanes live under the tenant's Redis prefix like every other tenant key.
            prefix = f"t:{UUID(lane.name)}:fair:{self._server}"
        except ValueError:
            prefix = f"fair:{self._server}:lane:{lane.name}"
        return [f"{prefix}:slot:{i}" for i in range(self.per_lane)]

    def _background_slot_names(self) -> list[str]:
        return [f"fair:{self._server}:background:slot:{i}" for i in range(self.background_total or 0)]

    @property
    def _interactive_key(self) -> str:
        # Not the counter "interactive-waiting" older code kept: a key of another type during a rollout.
        return f"fair:{self._server}:interactive-leases"

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        lane = current_lane()
        deadline = time.monotonic() + (self.interactive_wait_seconds if lane.interactive else self.wait_seconds)
        locks: list = []
        # Present while the interactive call waits *and* runs: background work starts after it.
        announcement = uuid4().hex if lane.interactive else None
        renewing = asyncio.create_task(self._renew(locks, announcement))
        try:
            try:
                if announcement:
                    await self._announce(announcement)
                locks += await self._acquire(lane, deadline)
            except RedisError:
                logger.warning("fairness gate for %s unavailable (Redis); calling without it", self._server)
            yield
        finally:
            renewing.cancel()
            await self._release(locks, announcement)

    async def _renew(self, locks: list, announcement: str | None) -> None:
        """Renew the call's leases every third of a lease, for at most ``hold_seconds``."""
        until = time.monotonic() + self.hold_seconds
        while True:
            await asyncio.sleep(self.lease_seconds / 3)
            if time.monotonic() >= until:
                return
            for renew in [lock.reacquire for lock in locks] + ([lambda: self._announce(announcement)]
                                                               if announcement else []):
                try:
                    await renew()
                except (RedisError, LockError):
                    pass  # Redis away or the lease lost: the call goes on, fairness is best effort

    async def _announce(self, announcement: str) -> None:
        now = time.time()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.zadd(self._interactive_key, {announcement: now + self.lease_seconds})
            pipe.zremrangebyscore(self._interactive_key, "-inf", now)
            pipe.expire(self._interactive_key, int(self.hold_seconds + self.lease_seconds))
            await pipe.execute()

    async def _release(self, locks: list, announcement: str | None) -> None:  # redis.asyncio.lock.Lock
        # Each on its own: one slot that expired meanwhile must not keep the other held.
        undos = [lock.release for lock in locks]
        if announcement:
            undos.append(lambda: self._redis.zrem(self._interactive_key, announcement))
        for undo in undos:
            try:
                await undo()
            except (RedisError, LockError):
                pass  # expired or Redis gone: the leases run out by themselves

    def _locks(self, names: list[str]) -> list:
        return [self._redis.lock(n, timeout=self.lease_seconds, blocking=False) for n in names]

    async def _acquire(self, lane: Lane, deadline: float) -> list:  # redis.asyncio.lock.Lock
        """The lane's slot, plus for a background call one of the shared background slots (both or none:
        a call waiting for a background slot must not keep its lane's slot from the lane's other calls)."""
        lane_locks = self._locks(self._slot_names(lane))
        queued = not lane.interactive and bool(self.background_total)
        shared_locks = self._locks(self._background_slot_names()) if queued else []
        ticket, arrival = uuid4().hex, time.time()
        try:
            while True:
                my_turn = await self._my_turn(ticket, arrival) if queued else True
                if my_turn and (lane.interactive or not await self._interactive_waiting()):
                    held = await self._first_free(lane_locks)
                    if held is not None and not queued:
                        return [held]
                    if held is not None:
                        shared = await self._first_free(shared_locks)
                        if shared is not None:
                            return [held, shared]
                        await self._release([held], None)
                if time.monotonic() >= deadline:
                    raise ModelServerBusy(f"{self._server} is busy; try again in a moment")
                await asyncio.sleep(_POLL_SECONDS if lane.interactive else _BACKGROUND_POLL_SECONDS)
        finally:
            if queued:
                await self._leave_queue(ticket)

    # The shared background slots go in arrival order: a seller whose calls follow one another (a long
    # document, batch after batch) would otherwise win every race for a freed slot against a seller
    # polling for it. Waiters queue in a sorted set by arrival time; only the oldest
    # ``background_total`` may take a slot. A waiter that stops polling (crashed) loses its
    # ``_TICKET_MS`` heartbeat and is dropped by the next poller; one merely slow rejoins at its place.
    @property
    def _queue_key(self) -> str:
        return f"fair:{self._server}:background:queue"

    def _ticket_key(self, ticket: str | bytes) -> str:
        return f"fair:{self._server}:background:waiter:{ticket.decode() if isinstance(ticket, bytes) else ticket}"

    async def _my_turn(self, ticket: str, arrival: float) -> bool:
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.set(self._ticket_key(ticket), 1, px=_TICKET_MS)
            pipe.zadd(self._queue_key, {ticket: arrival}, nx=True)
            pipe.expire(self._queue_key, int(self.wait_seconds + self.hold_seconds))
            await pipe.execute()
        while True:
            head = await self._redis.zrange(self._queue_key, 0, (self.background_total or 1) - 1)
            alive = await self._redis.mget([self._ticket_key(waiter) for waiter in head]) if head else []
            gone = [waiter for waiter, beat in zip(head, alive, strict=True) if beat is None]
            if not gone:
                return ticket in {w.decode() if isinstance(w, bytes) else w for w in head}
            await self._redis.zrem(self._queue_key, *gone)

    async def _leave_queue(self, ticket: str) -> None:
        try:
            await self._redis.zrem(self._queue_key, ticket)
            await self._redis.delete(self._ticket_key(ticket))
        except RedisError:
            pass  # the heartbeat expires and the next poller drops the ticket

    @staticmethod
    async def _first_free(locks: list):  # noqa: ANN205 - redis.asyncio.lock.Lock | None
        for lock in locks:
            if await lock.acquire(blocking=False):
                return lock
        return None

    async def _interactive_waiting(self) -> bool:
        return await self._redis.zcount(self._interactive_key, f"({time.time()}", "+inf") > 0
