"""Embedding calls in the metrics (LLM calls: shared.ai.usage.observe_llm_call, which prices them)."""

from __future__ import annotations

from shared.ops.metrics import EMBEDDING_LATENCY


def observe_embedding_call(seconds: float, outcome: str) -> None:
    EMBEDDING_LATENCY.labels(outcome).observe(seconds)
