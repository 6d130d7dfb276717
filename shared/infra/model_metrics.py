"""Model-server calls in the metrics, defined beside the clients that measure them.

`shared.ops.metrics` lists them with the rest of the application's metrics (ops reads infra, never
the other way round). LLM calls are observed in `shared.ai.usage.observe_llm_call`, which prices them.
"""

from __future__ import annotations

from prometheus_client import Histogram

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 20.0, 40.0, 80.0)
EMBEDDING_LATENCY = Histogram("bokai_embedding_request_duration_seconds", "Embedding requests by outcome.",
                              ("outcome",), buckets=LATENCY_BUCKETS)


def observe_embedding_call(seconds: float, outcome: str) -> None:
    EMBEDDING_LATENCY.labels(outcome).observe(seconds)
