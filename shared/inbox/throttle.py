"""The webhook failure throttle: per channel, never per caller address, and never against a right credential.

Mail-forwarding services and shop platforms post for many sellers from shared addresses, so a counter
per address let one seller's dead channel (or an attacker on the same provider) get every other
seller's correctly signed messages refused. Failures are counted per channel instead — the tenant and
account the path names — in the seller's Redis namespace, bound to the channel's credentials version
(shared/channels/credential_versions.py), so a reconnect or a new secret starts from zero:

- ``gone``: the path names a channel of the seller that cannot take messages (disconnected, no
  secret). Past the limit its calls are refused with 429 *before* the database lookup and before the
  body is read. Paths naming nothing at all are not counted (no Redis key for every guessed id; each
  costs one primary-key lookup and a 404, and floods are the ingress's rate limit's job).
- ``refused``: a live channel got a wrong signature or token. Past the limit such calls answer 429
  instead of 401, but the credential is always checked first: a correct one is accepted whatever
  anybody else sent.

The counters are read in the same Redis round trip as the credentials version the secret cache needs
anyway. Redis being away never refuses a call: the throttle then counts nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

import redis.exceptions

from shared.auth.settings import AuthSettings, auth_settings
from shared.channels.credential_versions import version_key
from shared.infra.redis import redis_client
from shared.tenancy.keys import TenantKeys

logger = logging.getLogger("bokai.inbox")
_REDIS_ERRORS = (redis.exceptions.RedisError, OSError)

# Counts one failure of ``kind``; the counts restart when the credentials version moved since. The
# window starts at the first failure and later ones do not extend it.
_HIT = """
if redis.call('HGET', KEYS[1], 'v') ~= ARGV[1] then redis.call('DEL', KEYS[1]) end
redis.call('HSET', KEYS[1], 'v', ARGV[1])
local count = redis.call('HINCRBY', KEYS[1], ARGV[2], 1)
if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end
return count
"""


class Throttled(Exception):
    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(f"too many failed calls for this channel; retry after {retry_after_seconds} s")
        self.retry_after_seconds = retry_after_seconds


def _failures_name(account: UUID) -> str:
    return f"webhook-failures:{account}"


@dataclass(frozen=True, slots=True)
class ChannelGate:
    tenant: UUID
    account: UUID
    # The credentials version as Redis holds it (None: never bumped); ``readable`` False: Redis is away.
    version: bytes | None
    readable: bool
    gone: int
    refused: int
    retry_after: int
    limit: int
    window: int

    def check_before_lookup(self) -> None:
        """Raise Throttled while the path keeps naming a channel that cannot take messages."""
        if self.gone >= self.limit:
            raise Throttled(self.retry_after)

    async def count_gone(self) -> None:
        await self._hit("gone")

    async def count_refused(self) -> Throttled | None:
        """Count a wrong credential; the Throttled to raise instead of a 401 when past the limit."""
        await self._hit("refused")
        return Throttled(self.retry_after) if self.refused >= self.limit else None

    async def _hit(self, kind: str) -> None:
        if not self.readable:
            return
        try:
            count = await redis_client().eval(
                _HIT, 1, TenantKeys(redis_client(), self.tenant).key(_failures_name(self.account)),
                self.version or b"", kind, self.window)
        except _REDIS_ERRORS as problem:
            logger.warning("webhook failure not counted (%s)", type(problem).__name__)
            return
        if count == self.limit:
            logger.warning("webhook calls for channel %s throttled after %d %s failures", self.account, count, kind)


async def open_gate(tenant: UUID, account: UUID, settings: AuthSettings | None = None) -> ChannelGate:
    """One Redis round trip: the channel's credentials version and its failure counts."""
    settings = settings or auth_settings()
    keys = TenantKeys(redis_client(), tenant)
    limit, window = settings.webhook_max_failures_per_channel, settings.webhook_failure_window_seconds
    try:
        async with redis_client().pipeline(transaction=False) as pipe:
            pipe.get(keys.key(version_key(account)))
            pipe.hmget(keys.key(_failures_name(account)), "v", "gone", "refused")
            pipe.ttl(keys.key(_failures_name(account)))
            version, (counted_at, gone, refused), ttl = await pipe.execute()
    except _REDIS_ERRORS as problem:
        # Redis away: the webhook still stores what it can, from the database, and counts nothing.
        logger.warning("channel credentials version unavailable (%s); reading the database", type(problem).__name__)
        return ChannelGate(tenant, account, None, False, 0, 0, window, limit, window)
    if (counted_at or b"") != (version or b""):
        gone = refused = None  # counted against credentials that have changed since
    return ChannelGate(tenant, account, version, True, int(gone or 0), int(refused or 0),
                       ttl if ttl and ttl > 0 else window, limit, window)
