"""The LLM client's transport: every completion request takes a slot of its seller's lane first.

The seller is the lane declared with ``tenant_lane`` if any, else the request's ``cache_salt`` (a
per-seller HMAC the reply agent sends anyway), else the shared background lane; so one seller's
burst of long prompts holds at most ``calls_per_lane`` of the server's attention, without the
callers having to pass their tenant down.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import httpx2

from shared.infra.fairness import BACKGROUND_LANE, FairGate, ModelServerBusy, current_lane, lane

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from shared.infra.llm import LlmSettings


def salt_of(request: httpx2.Request) -> str | None:
    if not request.content or b'"cache_salt"' not in request.content:
        return None
    try:
        salt = json.loads(request.content).get("cache_salt")
    except (ValueError, AttributeError):
        return None
    return salt[:64] if isinstance(salt, str) and salt else None


class FairLlmTransport(httpx2.AsyncBaseTransport):
    def __init__(self, inner: httpx2.AsyncBaseTransport, settings: LlmSettings) -> None:
        self._inner = inner
        self._settings = settings
        self._redis: Redis | None = None
        self._gate: FairGate | None = None

    def _fair_gate(self) -> FairGate:
        if self._gate is None:
            from shared.infra.redis import make_redis

            self._redis = make_redis()
            # A reply being written is interactive work (its job's class, shared.queue_classes) but waits
            # for its slot as patiently as any completion: the model's time, not a person's search.
            self._gate = FairGate(self._redis, "llm", per_lane=self._settings.calls_per_lane,
                                  wait_seconds=self._settings.wait_seconds,
                                  interactive_wait_seconds=self._settings.wait_seconds,
                                  hold_seconds=self._settings.timeout_seconds + 5)
        return self._gate

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        salt = salt_of(request) if current_lane().name == BACKGROUND_LANE else None
        try:
            if salt is None:
                async with self._fair_gate().slot():
                    return await self._inner.handle_async_request(request)
            with lane(f"salt-{salt}"):
                async with self._fair_gate().slot():
                    return await self._inner.handle_async_request(request)
        except ModelServerBusy as busy:
            # A timeout waiting for a slot, to the OpenAI client (APITimeoutError) and its callers,
            # which already treat LLM timeouts as a failed attempt.
            raise httpx2.PoolTimeout(str(busy), request=request) from busy

    async def aclose(self) -> None:
        await self._inner.aclose()
        if self._redis is not None:
            await self._redis.aclose()
