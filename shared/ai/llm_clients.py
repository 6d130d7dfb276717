"""One OpenAI-compatible client per model endpoint per process (connection pools are reused)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.infra.llm import LlmSettings, make_llm_client

if TYPE_CHECKING:
    from openai import AsyncOpenAI

    from shared.ai.routing import ModelEndpoint

_clients: dict[tuple[str, str, str], AsyncOpenAI] = {}


def client_for(endpoint: ModelEndpoint, base: LlmSettings) -> AsyncOpenAI:
    key = (endpoint.base_url, endpoint.model, endpoint.api_key)
    client = _clients.get(key)
    if client is None:
        client = _clients[key] = make_llm_client(endpoint.llm_settings(base))
    return client
