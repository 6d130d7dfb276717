"""When to try again: one policy for replies and events, honouring a peer's Retry-After; and which
failures are our own servers being away (an outage to wait out, not a job's failure)."""

from __future__ import annotations

import math
import os
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

import asyncpg
import redis
from dramatiq.common import compute_backoff

_DATABASE_AWAY = (asyncpg.PostgresConnectionError, asyncpg.exceptions.OperatorInterventionError,
                  asyncpg.exceptions.TooManyConnectionsError)
_ASYNCPG_SOURCE = f"{os.sep}asyncpg{os.sep}"


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a ``Retry-After`` value (RFC 9110: delay-seconds or an HTTP-date); None if absent
    or garbled. A date in the past means now."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
        return max(0.0, seconds) if math.isfinite(seconds) else None
    except ValueError:
        pass
    try:
        at = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if at.tzinfo is None:  # RFC 9110 dates are GMT; a date without a zone is read as such
        at = at.replace(tzinfo=timezone.utc)
    return max(0.0, (at - datetime.now(timezone.utc)).total_seconds())


def retry_delay_ms(attempts: int, retry_after: float | None, *, base_ms: int, max_ms: int) -> int:
    """The wait before the next try, ``attempts`` tries made so far.

    Exponential from ``base_ms`` with jitter, at most ``max_ms`` (Dramatiq's own backoff, the one its
    retries use). A peer's ``retry_after`` (seconds) is a floor — never sooner than it asked — capped at
    ``max_ms`` too, so a mistaken or hostile ``Retry-After: 31536000`` cannot park a delivery past the
    horizon its retries were sized for; the next try simply asks again.
    """
    _, backoff = compute_backoff(max(0, attempts - 1), factor=base_ms, max_backoff=max_ms)
    if retry_after is None:
        return backoff
    return max(backoff, min(math.ceil(retry_after * 1000), max_ms))


def is_outage(problem: BaseException) -> bool:
    """Postgres or Redis not answering (refused, reset, shutting down, too many connections): what a
    job should wait out rather than count against its retries. A socket error counts only when it rose
    from asyncpg, so a seller's SMTP server or a marketplace refusing still fails its job as before."""
    if isinstance(problem, (*_DATABASE_AWAY, redis.ConnectionError, redis.TimeoutError)):
        return True
    if isinstance(problem, (ConnectionError, TimeoutError)):
        frame = problem.__traceback__
        while frame is not None:
            if _ASYNCPG_SOURCE in frame.tb_frame.f_code.co_filename:
                return True
            frame = frame.tb_next
    return False
