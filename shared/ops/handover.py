"""Handing a retired broker identity's jobs over at once, instead of after its heartbeat times out.

Dramatiq records each fetched job in its worker identity's ack set and requeues the set only once that
identity's heartbeat is ``heartbeat_timeout`` old. After a Redis loss the supervisor retires this
process's identity (``shared.ops.supervisor``) — and nobody but this process ever used it, so nothing
needs to wait: the jobs this process still holds in memory (prefetched, delayed, running or awaiting
their ack) move to the new identity, whose ack then finds them, and the rest — those Dramatiq dropped
from memory with the connection — go back to their queues now. Waiting instead paused every job held
that way (a delivery's delayed retry, a job whose fetch reply was lost) for the whole timeout (30 s in
production), and acked the jobs finished meanwhile under an identity that did not hold them, so the
timeout then ran them a second time.
"""

from __future__ import annotations

import dramatiq
from dramatiq.common import dq_name

# KEYS: old acks, new acks, queue list, queue messages; ARGV: the ids still held in memory.
# Requeues like Dramatiq's own maintenance: only ids whose message data still exists.
_HAND_OVER = """
local held = {}
for i = 1, #ARGV do held[ARGV[i]] = true end
local moved, requeued = 0, 0
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
    if held[id] then
        redis.call('SMOVE', KEYS[1], KEYS[2], id)
        moved = moved + 1
    elseif redis.call('HEXISTS', KEYS[4], id) == 1 then
        redis.call('RPUSH', KEYS[3], id)
        requeued = requeued + 1
    end
end
redis.call('DEL', KEYS[1])
return {moved, requeued}
"""


def ids_in_memory(worker: dramatiq.Worker, running: set[str]) -> set[str]:
    """Redis ids of the jobs this process holds: prefetched, delayed, in the consumers' fetch caches,
    and ``running`` (from before processing until acked)."""
    held = set(running)
    proxies = [item.message for item in list(worker.work_queue.queue)]
    for thread in list(worker.consumers.values()):
        proxies += [item.message for item in list(thread.delay_queue.queue)]
        for data in list(getattr(thread.consumer, "message_cache", None) or []):
            if data is not None:
                proxies.append(dramatiq.Message.decode(data))
    held.update(p.options.get("redis_message_id") for p in proxies if p.options.get("redis_message_id"))
    return held


def hand_over(broker, worker: dramatiq.Worker, old: str, new: str, running: set[str]) -> tuple[int, int]:
    """Move ``old``'s jobs held in memory to ``new`` and requeue the others; (moved, requeued)."""
    client, namespace = broker.client, broker.namespace
    script = client.register_script(_HAND_OVER)
    held = sorted(ids_in_memory(worker, running))
    moved = requeued = 0
    for queue in sorted(broker.get_declared_queues()):
        for name in (queue, dq_name(queue)):
            counts = script(keys=[f"{namespace}:__acks__.{old}.{name}", f"{namespace}:__acks__.{new}.{name}",
                                  f"{namespace}:{name}", f"{namespace}:{name}.msgs"], args=held)
            moved, requeued = moved + int(counts[0]), requeued + int(counts[1])
    client.zrem(f"{namespace}:__heartbeats__", old)
    return moved, requeued
