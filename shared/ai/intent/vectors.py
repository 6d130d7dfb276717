"""The classifier's input for offline tools (training, evaluation): bounded texts, embedded in batches."""

from __future__ import annotations

import asyncio

from shared.ai.intent.decision import text_to_classify

BATCH = 32
BUSY_PATIENCE = 30  # tries; a tool waits for the shared server instead of failing a long run


async def embed_for_classifier(embedder, texts: list[str]) -> list[list[float]]:  # noqa: ANN001 - Embedder
    from shared.infra.fairness import ModelServerBusy

    bounded = [text_to_classify([t]) or "?" for t in texts]
    vectors: list[list[float]] = []
    for start in range(0, len(bounded), BATCH):
        for attempt in range(BUSY_PATIENCE):
            try:
                vectors += await embedder.embed_queries(bounded[start:start + BATCH])
                break
            except ModelServerBusy:
                # Sellers' traffic goes first (shared.infra.fairness); the tool backs off and retries.
                if attempt == BUSY_PATIENCE - 1:
                    raise
                await asyncio.sleep(1 + attempt)
    return vectors
