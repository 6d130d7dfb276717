"""Fair queueing between sellers in front of a Dramatiq Redis queue (used by ``shared.broker``).

A job enqueued on a fair queue ``Q`` is *staged*: its data goes where Dramatiq keeps it
(``<ns>:Q.msgs``), its id into the seller's own list ``<ns>:Q.fair:<lane>`` instead of the queue
list ``<ns>:Q``, and the seller into the ring ``<ns>:Q.fair`` of sellers with staged jobs. When a
worker's consumer fetches with room for ``n`` jobs, ``release`` first moves up to ``n`` staged ids
into ``<ns>:Q``, one seller after the other round robin, skipping sellers that already have ``cap``
jobs released and unfinished (``<ns>:Q.fair.busy:<lane>``, id → release time); Dramatiq's own fetch
then takes them. So a seller with 500 staged jobs holds at most ``cap`` of the workers' slots and a
seller with one waits at most one round of the others. ``done`` (worker middleware, after a job was
processed, failed or skipped) frees the slot; a slot whose ``done`` never came (Redis lost it) frees
itself ``stale_ms`` after its release.

Every step is one Lua script, atomic in Redis: a job is in exactly one of a seller's list, the queue
list, a worker's ack set (Dramatiq requeues those of dead workers) or finished — a crash anywhere
loses nothing. An id whose data is gone (a purged queue) is dropped on release. Jobs pushed straight
onto ``<ns>:Q`` (by an older release of the code, or Dramatiq's requeue of a dead worker's jobs) are
consumed as before, just not counted against their seller. Delayed jobs wait in Dramatiq's delay
queue as before and are staged when due.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass

import msgspec

import redis

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
# Jobs not bound to a seller (a fan-out, a sweep) share one lane.
SHARED_LANE = "-"

_STAGE = """
local base = ARGV[1]
redis.call("hset", base .. ".msgs", ARGV[3], ARGV[4])
if redis.call("rpush", base .. ".fair:" .. ARGV[2], ARGV[3]) == 1 then
  redis.call("rpush", base .. ".fair", ARGV[2])
end
return 1
"""

_RELEASE = """
local base, ring = ARGV[1], ARGV[1] .. ".fair"
local budget = tonumber(ARGV[2]) - redis.call("llen", base)
local cap, now, stale_ms = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local released, idle, lanes = 0, 0, redis.call("llen", ring)
while released < budget and idle < lanes do
  local lane = redis.call("lmove", ring, ring, "LEFT", "RIGHT")
  if not lane then break end
  local busy, list = base .. ".fair.busy:" .. lane, base .. ".fair:" .. lane
  redis.call("zremrangebyscore", busy, "-inf", now - stale_ms)
  local moved = false
  if redis.call("zcard", busy) < cap then
    local id = redis.call("lpop", list)
    while id and redis.call("hexists", base .. ".msgs", id) == 0 do id = redis.call("lpop", list) end
    if id then
      redis.call("rpush", base, id)
      redis.call("zadd", busy, now, id)
      redis.call("pexpire", busy, stale_ms)
      released, moved = released + 1, true
    end
  end
  if redis.call("llen", list) == 0 then
    redis.call("lrem", ring, -1, lane)
    lanes = lanes - 1
  end
  if moved then idle = 0 else idle = idle + 1 end
end
return released
"""

_DONE = """
return redis.call("zrem", ARGV[1] .. ".fair.busy:" .. ARGV[2], ARGV[3])
"""

# What waits in a fair queue: released (the queue list) and staged (every seller's list), the sellers
# with staged jobs, and the data of each list's head (lists are in enqueue order: a head is its
# list's oldest job). Delayed jobs are not ready yet and not counted.
_WAITING = """
local base = ARGV[1]
local ring = redis.call("lrange", base .. ".fair", 0, -1)
local released, staged = redis.call("llen", base), 0
local heads = {}
local head = redis.call("lindex", base, 0)
if head then table.insert(heads, head) end
for _, lane in ipairs(ring) do
  local list = base .. ".fair:" .. lane
  staged = staged + redis.call("llen", list)
  head = redis.call("lindex", list, 0)
  if head then table.insert(heads, head) end
end
local data = {}
if #heads > 0 then data = redis.call("hmget", base .. ".msgs", unpack(heads, 1, math.min(#heads, 2000))) end
return {released, staged, #ring, data}
"""


@dataclass(frozen=True)
class Waiting:
    released: int  # in the queue list, for any worker to fetch
    staged: int  # in sellers' lanes
    sellers: int  # with staged jobs
    oldest_enqueued_ms: int | None  # when the oldest waiting job entered the queue


def lane_of(args: tuple | list) -> str:
    """The seller a job belongs to: its first argument when that is a tenant id; for an
    ``on_retry_exhausted`` job, the first argument of the job that gave up."""
    first = args[0] if args else None
    if isinstance(first, dict):
        inner = first.get("args") or ()
        first = inner[0] if inner else None
    return first if isinstance(first, str) and _UUID.fullmatch(first) else SHARED_LANE


class FairQueues:
    def __init__(self, client: redis.Redis, namespace: Callable[[], str]) -> None:
        self.client = client
        # Read per call: tests move the broker to a namespace of their own after it was built.
        self._namespace = namespace
        self._stage = client.register_script(_STAGE)
        self._release = client.register_script(_RELEASE)
        self._done = client.register_script(_DONE)
        self._waiting = client.register_script(_WAITING)

    def _base(self, queue_name: str) -> str:
        return f"{self._namespace()}:{queue_name}"

    def stage(self, queue_name: str, lane: str, redis_message_id: str, data: bytes) -> None:
        self._stage(args=[self._base(queue_name), lane, redis_message_id, data])

    def release(self, queue_name: str, room: int, *, cap: int, stale_ms: int) -> int:
        """Move up to ``room`` staged jobs (less what already waits in the queue list) into the queue."""
        return int(self._release(args=[self._base(queue_name), room, cap, int(time.time() * 1000), stale_ms]))

    def done(self, queue_name: str, lane: str, redis_message_id: str) -> None:
        self._done(args=[self._base(queue_name), lane, redis_message_id])

    def waiting(self, queue_name: str) -> Waiting:
        released, staged, sellers, heads = self._waiting(args=[self._base(queue_name)])
        times = [_enqueued_ms(data) for data in heads if data]
        return Waiting(int(released), int(staged), int(sellers), min(times) if times else None)

    def purge(self, queue_name: str) -> None:
        base = self._base(queue_name)
        keys = [base + ".fair", *self.client.scan_iter(match=f"{base}.fair:*", count=1000),
                *self.client.scan_iter(match=f"{base}.fair.busy:*", count=1000)]
        self.client.delete(*keys)


class _Head(msgspec.Struct):
    message_timestamp: int = 0
    options: dict = {}


def _enqueued_ms(data: bytes) -> int:
    head = msgspec.json.decode(data, type=_Head)
    # Jobs enqueued before enqueue times were recorded: when they were created.
    enqueued = head.options.get("enqueued_at")
    return int(enqueued) if isinstance(enqueued, int | float) else head.message_timestamp
