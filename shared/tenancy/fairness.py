"""Fair sharing of a model server (embeddings, LLM) between sellers, across every process.

A local embedding server runs one inference at a time, so whoever queues the most text decides how
long everyone else waits. Each call therefore takes a slot of its *lane* first — the seller's lane when
the caller declared one with ``tenant_lane(tenant_id)``, else the shared background lane — so one
seller never has more than ``per_lane`` calls queued at the server. Interactive calls (a person
waiting: kb search, curated-answer match) go first: background calls do not start while one waits.
Waiting is bounded: past ``wait_seconds`` the call fails fast with ``ModelServerBusy`` instead of
queueing behind another seller. Slots are redis-py locks with an expiry, so a crashed holder frees
its slot after ``hold_seconds``. If Redis itself is unreachable the gate lets calls through: fairness
must not become an outage.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from uuid import UUID

from redis.asyncio import Redis
from redis.exceptions import RedisError

from shared.tenancy.ids import parse_tenant_id

logger = logging.getLogger("bokai.fairness")
BACKGROUND_LANE = "background"
_POLL_SECONDS = 0.02


@dataclass(frozen=True)
class Lane:
    name: str  # a tenant id, or BACKGROUND_LANE
    interactive: bool


_lane: ContextVar[Lane | None] = ContextVar("bokai_fair_lane", default=None)


@contextmanager
def tenant_lane(tenant_id: UUID | str, *, interactive: bool = False) -> Iterator[None]:
    """Model-server calls made inside the block count against ``tenant_id``'s share."""
    with lane(str(parse_tenant_id(tenant_id)), interactive=interactive):
        yield


@contextmanager
def lane(name: str, *, interactive: bool = False) -> Iterator[None]:
    """A lane by any stable per-seller name (e.g. the seller's LLM cache salt when no id is at hand)."""
    token = _lane.set(Lane(name, interactive))
    try:
        yield
    finally:
        _lane.reset(token)


def current_lane() -> Lane:
    return _lane.get() or Lane(BACKGROUND_LANE, False)


class ModelServerBusy(Exception):
    """The model server is busy with other work longer than this call may wait."""


class FairGate:
    def __init__(self, redis: Redis, server: str, *, per_lane: int = 2, wait_seconds: float = 20.0,
                 interactive_wait_seconds: float = 5.0, hold_seconds: float = 60.0) -> None:
        self._redis = redis
        self._server = server
        self.per_lane = per_lane
        self.wait_seconds = wait_seconds
        self.interactive_wait_seconds = interactive_wait_seconds
        self.hold_seconds = hold_seconds

    def _slot_names(self, lane: Lane) -> list[str]:
        try:
            # Tenant lanes live under the tenant's Redis prefix like every other tenant key.
            prefix = f"t:{UUID(lane.name)}:fair:{self._server}"
        except ValueError:
            prefix = f"fair:{self._server}:lane:{lane.name}"
        return [f"{prefix}:slot:{i}" for i in range(self.per_lane)]

    @property
    def _interactive_key(self) -> str:
        return f"fair:{self._server}:interactive-waiting"

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        lane = current_lane()
        deadline = time.monotonic() + (self.interactive_wait_seconds if lane.interactive else self.wait_seconds)
        lock = None
        announced = False
        try:
            if lane.interactive:
                # Raised while the interactive call waits *and* runs: background work starts after it.
                await self._announce(+1)
                announced = True
            lock = await self._acquire(lane, deadline)
        except RedisError:
            logger.warning("fairness gate for %s unavailable (Redis); calling without it", self._server)
        except ModelServerBusy:
            await self._release(None, announced)
            raise
        try:
            yield
        finally:
            await self._release(lock, announced)

    async def _announce(self, delta: int) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incrby(self._interactive_key, delta)
            pipe.expire(self._interactive_key, int(self.hold_seconds))
            await pipe.execute()

    async def _release(self, lock, announced: bool) -> None:  # noqa: ANN001 - redis.asyncio.lock.Lock
        try:
            if lock is not None:
                await lock.release()
            if announced:
                await self._announce(-1)
        except RedisError:
            pass  # expired or Redis gone: the expiries free both

    async def _acquire(self, lane: Lane, deadline: float):  # noqa: ANN202 - redis.asyncio.lock.Lock
        locks = [self._redis.lock(n, timeout=self.hold_seconds, blocking=False) for n in self._slot_names(lane)]
        while True:
            if lane.interactive or not await self._interactive_waiting():
                for lock in locks:
                    if await lock.acquire(blocking=False):
                        return lock
            if time.monotonic() >= deadline:
                raise ModelServerBusy(f"{self._server} is busy; try again in a moment")
            await asyncio.sleep(_POLL_SECONDS)

    async def _interactive_waiting(self) -> bool:
        waiting = await self._redis.get(self._interactive_key)
        return bool(waiting) and int(waiting) > 0
