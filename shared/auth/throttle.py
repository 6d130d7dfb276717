"""Login throttling: failed attempts counted per email and per client address in Redis."""

from __future__ import annotations

import hashlib

from redis.asyncio import Redis

from shared.auth.errors import TooManyAttempts
from shared.auth.settings import AuthSettings


def _hashed(kind: str, value: str) -> str:
    # Keys carry a hash, never the raw email or address: Redis dumps and MONITOR stay free of them.
    return f"auth:login-failures:{kind}:" + hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


class LoginThrottle:
    def __init__(self, redis: Redis, settings: AuthSettings, *, email: str, client_ip: str) -> None:
        self._redis = redis
        self._window = settings.login_failure_window_seconds
        self._limits = {
            _hashed("email", email.lower()): settings.login_max_failures_per_email,
            _hashed("ip", client_ip): settings.login_max_failures_per_ip,
        }

    async def check(self) -> None:
        """Raise TooManyAttempts (429 + Retry-After) when either counter reached its limit."""
        keys = list(self._limits)
        async with self._redis.pipeline(transaction=False) as pipe:
            for key in keys:
                pipe.get(key)
                pipe.ttl(key)
            replies = await pipe.execute()
        for index, key in enumerate(keys):
            count, ttl = replies[2 * index], replies[2 * index + 1]
            if count is not None and int(count) >= self._limits[key]:
                raise TooManyAttempts(ttl if ttl and ttl > 0 else self._window)

    async def record_failure(self) -> None:
        async with self._redis.pipeline(transaction=True) as pipe:
            for key in self._limits:
                pipe.incr(key)
                # The window starts at the first failure; later failures do not extend it.
                pipe.expire(key, self._window, nx=True)
            await pipe.execute()

    async def record_success(self) -> None:
        # Only the email counter resets: one good login must not clear an address spraying others.
        email_key = next(iter(self._limits))
        await self._redis.delete(email_key)


def client_ip(remote_host: str | None, forwarded_for: str | None, trusted_proxy_hops: int) -> str:
    """The caller's address: taken from X-Forwarded-For only as far as trusted proxies wrote it."""
    if trusted_proxy_hops > 0 and forwarded_for:
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if len(hops) >= trusted_proxy_hops:
            return hops[-trusted_proxy_hops]
    return remote_host or "unknown"
