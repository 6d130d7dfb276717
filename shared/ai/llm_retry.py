"""A short delayed retry of the AI job before a message is handed to a person because the LLM is down.

The generate actor says, per attempt, whether another one is allowed (``allow_llm_retry``); when it
is, an unreachable LLM raises ``LlmRetryLater`` instead of becoming an ``llm_failed`` handoff, and the
actor schedules the same job again after the next delay. The last attempt hands off as before.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import ClassVar

from shared.settings import Settings, load


class LlmRetrySettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "AI_LLM_RETRY_"
    # Comma-separated waits before the 2nd, 3rd, ... attempt: together they ride out a ~1.5 min outage.
    delays_seconds: str = "15,30,45"


class LlmRetryLater(Exception):
    """The LLM was unreachable and this job may try again later."""


_retry_allowed: ContextVar[bool] = ContextVar("llm_retry_allowed", default=False)


def retry_delays_ms() -> list[int]:
    raw = load(LlmRetrySettings).delays_seconds
    return [int(float(s) * 1000) for s in raw.split(",") if s.strip()]


@contextmanager
def allow_llm_retry(allowed: bool) -> Iterator[None]:
    token = _retry_allowed.set(allowed)
    try:
        yield
    finally:
        _retry_allowed.reset(token)


def llm_retry_allowed() -> bool:
    return _retry_allowed.get()
