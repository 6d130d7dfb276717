"""Smoke tests: the real OpenAI-compatible LLM server and the embeddings server answer."""

from __future__ import annotations

import math

import pytest

from shared.infra.embeddings import Embedder
from shared.infra.llm import LlmSettings, make_llm_client
from shared.settings import load

pytestmark = pytest.mark.integration


async def test_llm_server_answers_a_chat_completion():
    settings = load(LlmSettings)
    client = make_llm_client(settings)
    try:
        response = await client.chat.completions.create(
            model=settings.model,
            messages=[{"role": "user", "content": "Say hello to a customer in one short sentence."}],
            max_tokens=24,
            temperature=0,
        )
    finally:
        await client.close()
    assert response.choices[0].message.content.strip()
    assert response.usage is not None and response.usage.completion_tokens > 0


async def test_embedder_returns_normalised_384_d_vectors_for_polish_text():
    embedder = Embedder()
    try:
        queries = await embedder.embed_queries(["Jak mogę zwrócić towar?", "Kiedy wyślecie paczkę?"])
        [passage] = await embedder.embed_passages(["Zwrot towaru jest możliwy w ciągu 14 dni."])
    finally:
        await embedder.close()
    assert [len(v) for v in queries] == [384, 384] and len(passage) == 384
    assert all(math.isclose(math.fsum(x * x for x in v), 1.0, rel_tol=1e-3) for v in [*queries, passage])

    def cosine(u, v):
        return math.fsum(x * y for x, y in zip(u, v, strict=True))

    # The returns question is closer to the returns passage than the shipping question is.
    assert cosine(queries[0], passage) > cosine(queries[1], passage)
