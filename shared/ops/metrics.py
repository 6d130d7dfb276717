"""Application metrics (prometheus-client) shared by the functions and the worker.

Label values are bounded sets (platform, outcome, reason, model, queue, route template) — never a
tenant id, conversation id or anything a customer wrote. In the worker the Dramatiq Prometheus
middleware serves these next to its own (multi-process mode, ``WORKER_METRICS=1``, port 9191); the
functions serve them on ``/metrics`` (``shared.http.metrics``). Gauges describing the whole system
(backlogs, ages, connections) are refreshed by the worker's supervisor from ``ops_stats()``
(``shared.ops.stats``); every worker process reports the same values, so they aggregate with max.
"""

from __future__ import annotations

from collections.abc import Iterable

from prometheus_client import Counter, Gauge, Histogram

# Measured by the embeddings client (infra); listed here with the rest.
from shared.infra.model_metrics import EMBEDDING_LATENCY
from shared.infra.model_metrics import LATENCY_BUCKETS as _LATENCY_BUCKETS



def _system_gauge(name: str, documentation: str, labels: tuple[str, ...] = ()) -> Gauge:
    return Gauge(name, documentation, labels, multiprocess_mode="livemax")


# --- the system as the database sees it (supervisor, every maintenance interval) ---
INBOX_BACKLOG = _system_gauge("bokai_inbox_backlog", "Accepted webhook events not processed yet.")
INBOX_OLDEST_AGE = _system_gauge("bokai_inbox_oldest_age_seconds", "Age of the oldest unprocessed inbox event.")
INBOX_FAILED = _system_gauge("bokai_inbox_failed_events", "Inbox events that ended failed (last 24 h).")
OUTBOX_UNSENT = _system_gauge("bokai_outbox_unsent", "Committed jobs not in the queue yet.")
OUTBOX_OLDEST_AGE = _system_gauge("bokai_outbox_oldest_age_seconds", "Age of the oldest unsent outbox job.")
REPLIES_PENDING = _system_gauge("bokai_replies_pending", "Replies approved or being sent, not sent yet.", ("status",))
REPLIES_PENDING_OLDEST_AGE = _system_gauge("bokai_replies_pending_oldest_age_seconds",
                                           "Age of the oldest approved-but-unsent reply.")
REPLIES_UNCERTAIN = _system_gauge("bokai_replies_delivery_uncertain",
                                  "Replies whose delivery was interrupted and cannot be confirmed (last 24 h).")
REPLIES_DEAD = _system_gauge("bokai_replies_failed", "Replies that ended failed (dead letters, last 24 h).")
WAITING_FOR_HUMAN = _system_gauge("bokai_conversations_waiting_for_human",
                                  "Conversations handed to a person, by reason.", ("reason",))
CHANNEL_CONNECTIONS = _system_gauge("bokai_channel_connections", "Marketplace connections by platform and status.",
                                    ("platform", "status"))
CHANNELS_DEGRADED = _system_gauge("bokai_channels_degraded",
                                  "Connected accounts the seller sees as not working (failed or retried replies, "
                                  "stalled polling), by platform.", ("platform",))
SYNC_LAG = _system_gauge("bokai_channel_sync_lag_seconds",
                         "Longest time since a connected polled account was last synced.", ("platform",))
QUEUE_LENGTH = _system_gauge("bokai_queue_length", "Jobs waiting in a Dramatiq queue (delayed ones included).",
                             ("queue",))
QUEUE_DEAD_LETTERS = _system_gauge("bokai_queue_dead_letters", "Jobs in a Dramatiq dead-letter queue.", ("queue",))
# Per priority class (shared.queue_classes): what the class's workers scale on (deploy/k8s).
QUEUE_CLASS_DEPTH = _system_gauge("bokai_queue_class_depth",
                                  "Jobs ready to run in a priority class: released to the workers or staged in "
                                  "sellers' lanes (delayed ones not included).", ("queue_class",))
QUEUE_CLASS_OLDEST_AGE = _system_gauge("bokai_queue_class_oldest_age_seconds",
                                       "Time the oldest ready job of a priority class has waited since its enqueue.",
                                       ("queue_class",))
QUEUE_CLASS_SELLERS = _system_gauge("bokai_queue_class_sellers_waiting",
                                    "Sellers with jobs staged in a priority class's lanes.", ("queue_class",))

# --- events, counted where they happen ---
DELIVERIES = Counter("bokai_reply_deliveries_total", "Reply delivery attempts by platform and outcome.",
                     ("platform", "outcome"))
DEAD_LETTERS = Counter("bokai_reply_dead_letters_total", "Replies given up after every retry.")
CRASHING_JOBS = Counter("bokai_jobs_crashing_workers_total",
                        "Jobs given up because every start of theirs crashed or killed its worker.", ("queue",))
OUTBOX_RELAYED = Counter("bokai_outbox_relayed_total", "Jobs the outbox relay enqueued after a failed first enqueue.")
CONSUMER_RESTARTS = Counter("bokai_worker_consumer_restarts_total", "Dead Dramatiq consumer threads restarted.")
IDENTITY_ROTATIONS = Counter("bokai_worker_identity_rotations_total",
                             "Worker identities retired after a Redis connection loss.")
LLM_LATENCY = Histogram("bokai_llm_request_duration_seconds", "LLM chat completions by model and outcome.",
                        ("model", "outcome"), buckets=_LATENCY_BUCKETS)
LLM_TOKENS = Counter("bokai_llm_tokens_total", "Tokens the LLM reported, by model and kind.", ("model", "kind"))
LLM_COST = Counter("bokai_llm_cost_pln_total", "LLM spend at list prices, PLN, by model.", ("model",))

PLATFORMS = ("allegro", "olx", "email", "amazon", "emag", "generic")
DELIVERY_OUTCOMES = ("sent", "sent_reconciled", "retry", "refused", "uncertain")
LLM_OUTCOMES = ("ok", "empty", "unavailable")


def initialise_worker_series(llm_models: Iterable[str]) -> None:
    """Create every known label combination at 0 when a worker boots, so rate() and the alerts see
    a 0 before the first event and every metric is on the scrape page from the start."""
    for platform in PLATFORMS:
        for outcome in DELIVERY_OUTCOMES:
            DELIVERIES.labels(platform, outcome)
    for model in llm_models:
        for outcome in LLM_OUTCOMES:
            LLM_LATENCY.labels(model, outcome)
        LLM_TOKENS.labels(model, "prompt")
        LLM_TOKENS.labels(model, "completion")
        LLM_COST.labels(model)
    for outcome in ("ok", "error"):
        EMBEDDING_LATENCY.labels(outcome)
