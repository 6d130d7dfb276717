"""Priority classes of the job queues: each class is its own set of Dramatiq queues and its own workers.

    python -m shared.queue_classes args live   # "--threads 4 --queues inbox replies events"
    dramatiq shared.worker --processes 1 $(python -m shared.queue_classes args live)

``live``: a customer waits now — storing and deciding a message, hand-offs, deliveries, the seller's
event webhooks. ``reply``: generating an AI reply (the model's time). ``bulk``: what nobody waits on
by the second — ingestion and re-ingestion, marketplace polling, sweeps. A worker process consumes one
class only (``--queues``), so a backlog of one class never holds the threads another class needs; the
local stack, the fault suite and Kubernetes run one worker per class. Queue names are those the
actors always had, so queued jobs and outbox rows from before the split keep their meaning.

Within a class every queue is shared fairly between sellers (``shared.fair_queue``): at most
``<CLASS>_PER_SELLER`` of a seller's jobs are released to the workers at a time, round robin.
"""

from __future__ import annotations

import sys
from typing import ClassVar

from shared.settings import Settings, load

QUEUE_CLASSES: dict[str, tuple[str, ...]] = {
    "live": ("inbox", "replies", "events"),
    "reply": ("ai",),
    "bulk": ("knowledge", "channels"),
}
# Threads of one worker process of each class (local stack, fault suite, benches; Kubernetes sets its
# own in deploy/k8s): above each class's per-seller cap, so a second seller always finds a thread.
THREADS: dict[str, int] = {"live": 4, "reply": 3, "bulk": 2}
# How long an idle consumer of each class sleeps at most between two looks at its queue (Dramatiq's
# worker_timeout, 1 s by default, applied by shared.worker at boot): a message passes three live hops
# (inbox, the reply seam, the decision) before its reply is started, each an idle poll away when the
# queue was empty. A look is one or two Redis calls; bulk work can wait a second.
IDLE_POLL_MS: dict[str, int] = {"live": 100, "reply": 100, "bulk": 1000}
CLASS_OF_QUEUE: dict[str, str] = {queue: name for name, queues in QUEUE_CLASSES.items() for queue in queues}
# Classes whose jobs a person waits on: their model-server calls are interactive (the interactive
# embedding server, ahead of background calls at a shared one); the bulk class's calls queue as
# background work (shared.infra.fairness). The reply class is a customer waiting for the reply: its
# query embedding behind a neighbour's ingestion on the background server took 13–15 s under A's
# flood (bench.neighbour_flood, 2026-12-05), its own share of the interactive server well under 1 s.
INTERACTIVE_CLASSES = frozenset({"live", "reply"})


class QueueClassSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "QUEUES_"
    # How many of one seller's jobs of a class may be released to the workers at once (queued in the
    # class's Dramatiq queue, prefetched or running). Below the class's threads, so another seller's
    # job always finds a thread; a seller alone still has this many running.
    live_per_seller: int = 2
    reply_per_seller: int = 2
    # Ingestion is bound by the background embedding server (one call at a time): a second job of the
    # same seller would only wait there, while holding a thread another seller's document needs.
    bulk_per_seller: int = 1


def per_seller_cap(queue_name: str) -> int | None:
    """The per-seller cap of ``queue_name``'s class; None for a queue outside every class (tests' probes)."""
    name = CLASS_OF_QUEUE.get(queue_name)
    if name is None:
        return None
    return max(1, getattr(load(QueueClassSettings), f"{name}_per_seller"))


def serves_a_waiting_person(queue_name: str) -> bool:
    """Whether the jobs of ``queue_name`` make interactive model-server calls: the one rule by class."""
    return CLASS_OF_QUEUE.get(queue_name) in INTERACTIVE_CLASSES


def idle_poll_ms(queues: set[str] | None) -> int:
    """A worker's idle poll: the shortest of its classes' (a worker of every queue polls like live)."""
    classes = {CLASS_OF_QUEUE.get(q) for q in queues} if queues else set(QUEUE_CLASSES)
    return min((IDLE_POLL_MS[c] for c in classes if c), default=max(IDLE_POLL_MS.values()))


def worker_args(name: str, threads: int | None = None) -> list[str]:
    """The dramatiq options of a worker of class ``name``: its threads and only its queues."""
    return ["--threads", str(threads or THREADS[name]), "--queues", *QUEUE_CLASSES[name]]


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "args" or argv[1] not in QUEUE_CLASSES:
        print(f"usage: python -m shared.queue_classes args {{{'|'.join(QUEUE_CLASSES)}}}", file=sys.stderr)
        return 2
    print(" ".join(worker_args(argv[1])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
