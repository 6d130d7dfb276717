"""Throttles in Redis: sign-in failures, registrations and unauthenticated webhook failures.

Sign-in follows OWASP's device-cookie scheme. A client presenting a valid device cookie for the
account (it signed in there before: shared/auth/devices.py) is throttled by that device's own
failures only — ``login_max_failures_per_device`` in the window lock that one cookie — so failures
from anywhere else never keep the owner's known device out. Every other client is untrusted, and
untrusted failures are counted per account and per address: per (email, client address), so someone
guessing a seller's password from their own address locks only that address out; across all
addresses the account gets a slower back-off instead of a lockout: past
``login_free_failures_per_email`` failures in the window, each untrusted attempt must wait a delay
doubling per further failure, capped at ``login_backoff_max_seconds``. Keys carry hashes, never raw
emails, addresses or device nonces.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time

from redis.asyncio import Redis

from shared.auth.errors import TooManyAttempts
from shared.auth.settings import AuthSettings

logger = logging.getLogger("bokai.auth")
GLOBAL_BACKOFF = ("This account had many failed sign-ins from several places, so for its protection sign-ins "
                  "are slowed down. Try again in {seconds} s.")


def _hashed(kind: str, value: str) -> str:
    return f"auth:throttle:{kind}:" + hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


class AddressThrottle:
    """At most ``limit`` counted events per key in a window that starts at the first one."""

    def __init__(self, redis: Redis, kind: str, value: str, *, limit: int, window_seconds: int,
                 detail: str | None = None, enabled: bool = True) -> None:
        self._redis, self.key, self.limit, self.window = redis, _hashed(kind, value), limit, window_seconds
        self.detail = detail  # with {minutes}; None: the sign-in wording
        self.enabled = enabled

    async def check(self) -> None:
        if not self.enabled:
            return
        async with self._redis.pipeline(transaction=False) as pipe:
            pipe.get(self.key)
            pipe.ttl(self.key)
            count, ttl = await pipe.execute()
        if count is not None and int(count) >= self.limit:
            seconds = ttl if ttl and ttl > 0 else self.window
            minutes = max(1, -(-seconds // 60))
            raise TooManyAttempts(seconds, detail=self.detail.format(minutes=minutes) if self.detail else None)

    async def hit(self) -> None:
        if not self.enabled:
            return
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(self.key)
            # The window starts at the first event; later events do not extend it.
            pipe.expire(self.key, self.window, nx=True)
            await pipe.execute()

    async def clear(self) -> None:
        await self._redis.delete(self.key)


class LoginThrottle:
    def __init__(self, redis: Redis, settings: AuthSettings, *, email: str, client_ip: str,
                 device: str | None = None) -> None:
        """``device``: the nonce of the client's valid device cookie for this email, None if untrusted."""
        window = settings.login_failure_window_seconds
        self._redis = redis
        self._settings = settings
        self._device = None if device is None else AddressThrottle(
            redis, "login-device", device, limit=settings.login_max_failures_per_device, window_seconds=window,
            detail="Too many failed sign-ins on this device. Try again in {minutes} min.")
        self._pair = AddressThrottle(redis, "login-email-address", f"{email.lower()}|{client_ip}",
                                     limit=settings.login_max_failures_per_email_and_address, window_seconds=window)
        self._address = AddressThrottle(redis, "login-address", client_ip,
                                        limit=settings.login_max_failures_per_ip, window_seconds=window)
        self._account = _hashed("login-email", email.lower())

    async def check(self) -> None:
        """Raise TooManyAttempts (429 + Retry-After) for this address, or while the account backs off."""
        if self._device is not None:
            # A known device answers for its own failures only: nothing an attacker does elsewhere,
            # even from the same address, reaches it.
            await self._device.check()
            return
        await self._pair.check()
        await self._address.check()
        failures, last = await self._redis.hmget(self._account, "failures", "last")
        wait = self._backoff_seconds(int(failures or 0))
        if wait and last is not None:
            remaining = math.ceil(float(last) + wait - time.time())
            if remaining > 0:
                raise TooManyAttempts(remaining, detail=GLOBAL_BACKOFF.format(seconds=remaining))

    def _backoff_seconds(self, failures: int) -> int:
        extra = failures - self._settings.login_free_failures_per_email
        if extra <= 0:
            return 0
        return min(2 ** min(extra - 1, 16), self._settings.login_backoff_max_seconds)

    async def record_failure(self) -> None:
        if self._device is not None:
            await self._device.hit()
            return
        await self._pair.hit()
        await self._address.hit()
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.hincrby(self._account, "failures", 1)
            pipe.hset(self._account, "last", str(time.time()))
            pipe.expire(self._account, self._settings.login_failure_window_seconds, nx=True)
            failures, *_ = await pipe.execute()
        if failures == self._settings.login_free_failures_per_email + 1:
            # The notice operators see (the account only by hash): someone is spraying this account.
            logger.warning("sign-in back-off started for account %s after %d failures from several addresses",
                           self._account.rsplit(":", 1)[-1][:12], failures)

    async def record_success(self) -> None:
        if self._device is not None:
            # Only this device's count: an attacker behind the owner's address keeps their lockout.
            await self._device.clear()
            return
        # Only this address's count for this account resets: one good login must not clear an
        # address spraying others, nor the account's back-off against a botnet.
        await self._pair.clear()


def _is_loopback(address: str) -> bool:
    # Without trusted proxy hops every call seems to come from the local watchdog (127.0.0.1): one
    # shared counter would let a few bad calls block everybody, so such calls are not counted.
    try:
        return ipaddress.ip_address(address).is_loopback
    except ValueError:
        return address == "unknown"


def registration_throttle(redis: Redis, settings: AuthSettings, client_ip: str) -> AddressThrottle:
    return AddressThrottle(redis, "register-address", client_ip, limit=settings.register_max_per_ip,
                           window_seconds=settings.register_window_seconds,
                           detail="Too many new accounts from your address. Try again in {minutes} min.",
                           enabled=not _is_loopback(client_ip))


def webhook_failure_throttle(redis: Redis, settings: AuthSettings, client_ip: str) -> AddressThrottle:
    """Per address: no webhook route uses it since issue 22 (a shared forwarding address let one sender
    shut out every other; shared/inbox/throttle.py counts per channel). Kept because
    bench/webhook_ingest.py still times it; remove the two together."""
    return AddressThrottle(redis, "webhook-failures-address", client_ip,
                           limit=settings.webhook_max_failures_per_ip,
                           window_seconds=settings.webhook_failure_window_seconds,
                           detail="Too many failed webhook calls from your address. Try again in {minutes} min.",
                           enabled=not _is_loopback(client_ip))


def client_ip(remote_host: str | None, forwarded_for: str | None, trusted_proxy_hops: int) -> str:
    """The caller's address: taken from X-Forwarded-For only as far as trusted proxies wrote it."""
    if trusted_proxy_hops > 0 and forwarded_for:
        hops = [h.strip() for h in forwarded_for.split(",") if h.strip()]
        if len(hops) >= trusted_proxy_hops:
            return hops[-trusted_proxy_hops]
    return remote_host or "unknown"
