"""One chat completion against an OpenAI-compatible server, with the real token counts it reports."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from openai import AsyncOpenAI


class LlmUnavailable(Exception):
    """Timeouts, 5xx and 429 after the client's own retries; the reply becomes a handoff."""


class LlmEmptyAnswer(Exception):
    """The server answered, but with no usable text (its tokens were still spent and are logged)."""

    def __init__(self, completion: Completion) -> None:
        super().__init__(f"empty answer after {completion.completion_tokens} tokens")
        self.completion = completion


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    model: str
    prompt_tokens: int
    completion_tokens: int
    latency_ms: int


async def complete(client: AsyncOpenAI, *, model: str, messages: list[dict[str, str]], max_tokens: int,
                   temperature: float, cache_salt: str | None = None,
                   response_format: dict | None = None) -> Completion:
    import openai

    started = time.perf_counter()
    try:
        response = await client.chat.completions.create(
            model=model, messages=messages, max_tokens=max_tokens, temperature=temperature,
            # vLLM keeps each tenant's prefix cache apart with this; see LlmSettings.send_cache_salt.
            extra_body={"cache_salt": cache_salt} if cache_salt else None,
            **({"response_format": response_format} if response_format else {}),
        )
    except (openai.APIConnectionError, openai.APITimeoutError, openai.RateLimitError,
            openai.InternalServerError) as exc:
        raise LlmUnavailable(type(exc).__name__) from None
    except openai.APIStatusError as exc:
        raise LlmUnavailable(f"HTTP {exc.status_code}") from None
    latency_ms = int((time.perf_counter() - started) * 1000)
    text = (response.choices[0].message.content or "").strip() if response.choices else ""
    usage = response.usage
    completion = Completion(text=text, model=response.model or model,
                            prompt_tokens=usage.prompt_tokens if usage else 0,
                            completion_tokens=usage.completion_tokens if usage else 0, latency_ms=latency_ms)
    if not text:
        raise LlmEmptyAnswer(completion)
    return completion
