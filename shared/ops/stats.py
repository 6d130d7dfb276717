"""Refreshing the system gauges of ``shared.ops.metrics`` from Postgres (``ops_stats()``) and Redis."""

from __future__ import annotations

import time
from collections import defaultdict

from dramatiq.common import dq_name, xq_name

from shared.infra.postgres import engine
from shared.ops import metrics

_UNLABELLED = {
    "inbox_backlog": metrics.INBOX_BACKLOG, "inbox_oldest_age": metrics.INBOX_OLDEST_AGE,
    "inbox_failed": metrics.INBOX_FAILED, "outbox_unsent": metrics.OUTBOX_UNSENT,
    "outbox_oldest_age": metrics.OUTBOX_OLDEST_AGE,
    "replies_unattempted_oldest_age": metrics.REPLIES_PENDING_OLDEST_AGE,
    "replies_uncertain": metrics.REPLIES_UNCERTAIN, "replies_failed": metrics.REPLIES_DEAD,
}
_LABELLED = {
    "replies_pending": metrics.REPLIES_PENDING, "waiting_for_human": metrics.WAITING_FOR_HUMAN,
    "sync_lag": metrics.SYNC_LAG, "channels_degraded": metrics.CHANNELS_DEGRADED,
}
# Label sets reported before: set to 0 when they disappear (a cleared gauge would keep its last
# value in the multi-process files, and "no longer waiting" must read as 0, not as the old count).
_seen: dict[str, set[tuple[str, ...]]] = defaultdict(set)


def _set_labelled(key: str, gauge, values: dict[tuple[str, ...], float]) -> None:
    for labels in _seen[key] - set(values):
        gauge.labels(*labels).set(0)
    for labels, value in values.items():
        gauge.labels(*labels).set(value)
    _seen[key] |= set(values)


# Monitoring must never become the load: a slow plan (a big table, a stale cached plan) is cut off
# and the gauges keep their last values until the next refresh.
STATS_TIMEOUT = "5s"


async def refresh_database_gauges() -> None:
    async with engine().pool.acquire() as connection, connection.transaction():
        await connection.execute(f"SET LOCAL statement_timeout = '{STATS_TIMEOUT}'")
        rows = await connection.fetch("SELECT metric, label, value FROM ops_stats()")
    unlabelled = dict.fromkeys(_UNLABELLED, 0.0)
    labelled: dict[str, dict[tuple[str, ...], float]] = {key: {} for key in _LABELLED}
    labelled["replies_pending"] = {("approved",): 0.0, ("sending",): 0.0}
    labelled["channels_degraded"] = {(platform,): 0.0 for platform in metrics.PLATFORMS}
    connections: dict[tuple[str, ...], float] = {}
    for metric, label, value in rows:
        if metric in _UNLABELLED:
            unlabelled[metric] = value
        elif metric in _LABELLED:
            labelled[metric][(label,)] = value
        elif metric == "channel_connections":
            platform, _, status = label.partition("/")
            connections[(platform, status)] = value
    for key, value in unlabelled.items():
        _UNLABELLED[key].set(value)
    for key, values in labelled.items():
        _set_labelled(key, _LABELLED[key], values)
    _set_labelled("channel_connections", metrics.CHANNEL_CONNECTIONS, connections)


def refresh_queue_gauges(broker) -> None:
    """Waiting jobs per queue (staged in sellers' lanes and delayed ones included), dead letters, and
    per priority class the ready jobs, their oldest one's wait and the sellers waiting — from Redis."""
    from shared.queue_classes import CLASS_OF_QUEUE, QUEUE_CLASSES

    client, namespace = broker.client, broker.namespace
    now_ms = time.time() * 1000
    by_class: dict[str, list] = {name: [] for name in QUEUE_CLASSES}
    for queue in sorted(broker.get_declared_queues() | set(CLASS_OF_QUEUE)):
        waiting = broker.fair.waiting(queue)
        delayed = client.llen(f"{namespace}:{dq_name(queue)}")
        metrics.QUEUE_LENGTH.labels(queue).set(waiting.released + waiting.staged + delayed)
        metrics.QUEUE_DEAD_LETTERS.labels(queue).set(client.zcard(f"{namespace}:{xq_name(queue)}"))
        if queue in CLASS_OF_QUEUE:
            by_class[CLASS_OF_QUEUE[queue]].append(waiting)
    for name, queues in by_class.items():
        oldest = [w.oldest_enqueued_ms for w in queues if w.oldest_enqueued_ms is not None]
        metrics.QUEUE_CLASS_DEPTH.labels(name).set(sum(w.released + w.staged for w in queues))
        metrics.QUEUE_CLASS_SELLERS.labels(name).set(sum(w.sellers for w in queues))
        metrics.QUEUE_CLASS_OLDEST_AGE.labels(name).set(max(0.0, (now_ms - min(oldest)) / 1000) if oldest else 0)
