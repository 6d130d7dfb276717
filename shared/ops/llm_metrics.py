"""LLM and embedding calls in the metrics: latency by outcome, tokens, spend at list prices."""

from __future__ import annotations

import logging

from shared.ops.metrics import EMBEDDING_LATENCY, LLM_COST, LLM_LATENCY, LLM_TOKENS

logger = logging.getLogger("bokai.ops")


def observe_llm_call(model: str, seconds: float, outcome: str, prompt_tokens: int = 0,
                     completion_tokens: int = 0) -> None:
    """``outcome``: ok | empty | unavailable. Never raises: metrics must not fail a reply."""
    try:
        LLM_LATENCY.labels(model, outcome).observe(seconds)
        if prompt_tokens or completion_tokens:
            from shared.ai.pricing import price_for, price_table

            LLM_TOKENS.labels(model, "prompt").inc(prompt_tokens)
            LLM_TOKENS.labels(model, "completion").inc(completion_tokens)
            LLM_COST.labels(model).inc(float(price_for(model, price_table(), {}).cost(prompt_tokens,
                                                                                      completion_tokens)))
    except Exception as problem:  # noqa: BLE001
        logger.warning("llm metrics not recorded: %s", type(problem).__name__)


def observe_embedding_call(seconds: float, outcome: str) -> None:
    EMBEDDING_LATENCY.labels(outcome).observe(seconds)
