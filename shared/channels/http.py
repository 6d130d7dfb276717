"""One HTTP client shape for every marketplace API: JSON in/out, bounded retries, typed errors.

Only safe requests (GET) are retried on 5xx/timeouts here. A POST that timed out or got a 5xx may
have reached the platform, so it is surfaced at once and the delivery layer reconciles
(``find_delivered``) before any second attempt. A 429 means the request was refused, so it is
retried for every method, honouring Retry-After within a small budget.
"""

from __future__ import annotations

import asyncio
import logging
import random
from json import loads as json_loads
from typing import Any

import httpx2
import msgspec

from shared.channels.errors import PlatformRejected, PlatformUnavailable, RateLimited, TokenRejected
from shared.infra.retry_policy import parse_retry_after

logger = logging.getLogger("bokai.channels.http")

MAX_ATTEMPTS = 4
MAX_WAIT_SECONDS = 10.0


def retry_after_seconds(response: httpx2.Response) -> float | None:
    """The wait a 429/503 asks for, None if absent or garbled (the one reader: shared.infra.retry_policy)."""
    return parse_retry_after(response.headers.get("retry-after"))


class PlatformClient:
    """``user_message(response)`` is overridden per platform to read its error body."""

    platform = "platform"

    def __init__(self, base_url: str, headers: dict[str, str], *, timeout: float = 20.0,
                 backoff_base: float = 0.5, transport: httpx2.AsyncBaseTransport | None = None) -> None:
        self._http = httpx2.AsyncClient(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout,
                                        transport=transport)
        self._backoff_base = backoff_base

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> PlatformClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    def user_message(self, response: httpx2.Response) -> str:
        return f"{self.platform} refused the request (HTTP {response.status_code})"

    def authorization(self, token: str) -> str:
        """The Authorization header for ``token`` (OAuth platforms: Bearer; eMAG overrides it with Basic)."""
        return f"Bearer {token}"

    async def request(self, method: str, path: str, token: str, *, params: dict[str, Any] | None = None,
                      json: Any = None, headers: dict[str, str] | None = None, read_only: bool = False) -> Any:
        """The decoded JSON body (None for an empty body). Raises the errors of shared.channels.errors.

        ``read_only``: a POST that only reads (eMAG's ``order/read``) is retried on 5xx like a GET.
        """
        safe = method.upper() == "GET" or read_only
        waited = 0.0
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                response = await self._http.request(
                    method, path, params={k: v for k, v in (params or {}).items() if v is not None},
                    json=json, headers={**(headers or {}), "Authorization": self.authorization(token)})
            except httpx2.TransportError as exc:
                if not safe or attempt == MAX_ATTEMPTS:
                    raise PlatformUnavailable(f"{self.platform} could not be reached ({type(exc).__name__})") from None
                waited += await self._sleep(attempt, None)
                continue
            status = response.status_code
            if status == 429 or (status >= 500 and safe):
                hint = retry_after_seconds(response)
                delay = self._delay(attempt, hint)
                if attempt == MAX_ATTEMPTS or waited + delay > MAX_WAIT_SECONDS:
                    if status == 429:
                        raise RateLimited(f"{self.platform} rate limit (HTTP 429)", hint)
                    raise PlatformUnavailable(f"{self.platform} answered HTTP {status}")
                logger.info("%s %s %s: HTTP %s, retry %d in %.1fs", self.platform, method, path.split("?")[0],
                            status, attempt, delay)
                await asyncio.sleep(delay)
                waited += delay
                continue
            if status >= 500:
                raise PlatformUnavailable(f"{self.platform} answered HTTP {status}")
            if status == 401:
                raise TokenRejected(f"{self.platform} rejected the access token")
            if status >= 400:
                raise PlatformRejected(status, self.user_message(response))
            return self._decode(response)
        raise PlatformUnavailable(f"{self.platform} did not answer")  # pragma: no cover - loop always returns

    def _decode(self, response: httpx2.Response) -> Any:
        if not response.content.strip():
            return None
        try:
            return msgspec.json.decode(response.content)
        except (msgspec.DecodeError, UnicodeDecodeError):
            return self._decode_leniently(response.content)

    def _decode_leniently(self, content: bytes) -> Any:
        """What msgspec refuses but platforms do send inside real messages: bytes that are not UTF-8 (a
        legacy charset) and lone surrogate escapes (an emoji cut in half). Refusing the page would stop
        every later message from being read, so the page is read: bad bytes as U+FFFD here, surrogates
        and NULs made storable by the inbound boundary (shared/channels/inbound.py)."""
        try:
            return json_loads(content.decode("utf-8", "replace"), strict=False)
        except (ValueError, RecursionError):
            # A proxy error page or a truncated body: nothing was read, so nothing is lost by retrying later.
            raise PlatformUnavailable(f"{self.platform} sent a body that is not JSON") from None

    def _delay(self, attempt: int, hint: float | None) -> float:
        if hint is not None:
            return hint
        return self._backoff_base * (2 ** (attempt - 1)) * (1 + random.random() / 4)

    async def _sleep(self, attempt: int, hint: float | None) -> float:
        delay = self._delay(attempt, hint)
        await asyncio.sleep(delay)
        return delay


def parse(data: Any, type_: type, platform: str) -> Any:
    """Validate a decoded body against the documented shape; a mismatch is treated as garbage."""
    try:
        return msgspec.convert(data, type_, strict=False)
    except msgspec.ValidationError as exc:
        raise PlatformUnavailable(f"{platform} sent an unexpected body ({exc})") from None
