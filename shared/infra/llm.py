"""The OpenAI-compatible LLM endpoint (vLLM in production, llama.cpp's server locally)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar, Literal

from shared.settings import Settings, load

if TYPE_CHECKING:
    from openai import AsyncOpenAI


class LlmSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "LLM_"
    base_url: str
    model: str
    api_key: str = "not-needed"
    timeout_seconds: float = 60.0
    max_retries: int = 2
    # Keys each tenant's prefix-cache salt (vLLM cache_salt); rotate it to drop every cached prefix.
    cache_salt_secret: str = "local-development-salt"
    # vLLM keeps prefix caches apart by cache_salt; llama.cpp's server ignores the field. Turn it
    # off only for a server that rejects unknown request fields.
    send_cache_salt: bool = True
    # How the server is asked for the reply's JSON (shared/ai/verify/answer.py): "json_schema" (OpenAI's
    # and vLLM's structured output), "json_object" with a schema (llama-cpp-python's server), or "none"
    # (the prompt alone asks for it; the verifier still parses strictly).
    structured_output: Literal["json_schema", "json_object", "none"] = "json_schema"
    # Fair sharing (shared/infra/fairness.py): completions one seller may have at the server at once,
    # and how long a call may wait for its slot before failing (ModelServerBusy) instead of queueing.
    calls_per_lane: int = 2
    wait_seconds: float = 20.0


def make_llm_client(settings: LlmSettings | None = None) -> AsyncOpenAI:
    from openai import AsyncOpenAI  # ~480 ms import: only the reply actors pay it

    settings = settings or load(LlmSettings)
    return AsyncOpenAI(
        base_url=settings.base_url,
        api_key=settings.api_key,
        timeout=settings.timeout_seconds,
        max_retries=settings.max_retries,
        http_client=fair_http_client(settings),
    )


def fair_http_client(settings: LlmSettings):  # noqa: ANN201 - httpx2.AsyncClient (lazy import)
    """The client's HTTP layer with the fairness gate in front of every request (one slot per call)."""
    import httpx2

    from shared.infra.llm_fairness import FairLlmTransport

    return httpx2.AsyncClient(transport=FairLlmTransport(httpx2.AsyncHTTPTransport(), settings),
                             timeout=settings.timeout_seconds)


async def llm_reachable(timeout_seconds: float = 2.0) -> bool:
    """Whether the LLM server answers its model list now (a cheap look before releasing work held
    back by an outage; no completion, no fairness slot)."""
    import httpx2  # lazily, like the client itself

    settings = load(LlmSettings)
    try:
        async with httpx2.AsyncClient(timeout=timeout_seconds) as client:
            response = await client.get(settings.base_url.rstrip("/") + "/models",
                                        headers={"Authorization": f"Bearer {settings.api_key}"})
        return response.status_code == 200
    except httpx2.HTTPError:
        return False
