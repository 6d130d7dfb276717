"""Finding the channel a webhook is addressed to, inside its tenant, and its stored secret.

A busy channel's webhooks would otherwise open a tenant transaction and decrypt its credentials on
every request. The decrypted secret is kept in this process for up to ``CACHE_SECONDS`` together with
the channel's credentials version (shared/channels/credential_versions.py), read from Redis on each
request: when the channel is disconnected or reconnected the version moves and the copy is dropped at
once. Only found channels are kept, so a channel created a moment ago is never missed, and keys hold
the tenant from the URL, as the lookup's RLS scope does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from uuid import UUID

import redis.exceptions
from cachetools import TTLCache

from shared.channels.credential_versions import version_key
from shared.channels.credentials import CredentialCipher, CredentialsError
from shared.channels.tables import ChannelAccount
from shared.infra.redis import redis_client
from shared.tenancy.db import tenant_tx
from shared.tenancy.ids import InvalidTenantId, parse_tenant_id
from shared.tenancy.keys import TenantKeys

logger = logging.getLogger("bokai.inbox")

# Bounds how long a copy can outlive a change whose version bump was lost (Redis away at that moment).
CACHE_SECONDS = 60
_cache: TTLCache[tuple[UUID, UUID, str, str], tuple[bytes | None, ChannelSecret]] = TTLCache(
    maxsize=10_000, ttl=CACHE_SECONDS)


class UnknownChannel(Exception):
    """Same for "no such tenant", "no such channel", "another seller's channel" and "no secret set"."""


class ChannelGone(UnknownChannel):
    """The seller has this channel but it cannot take messages (disconnected, no usable secret).

    Answered exactly like UnknownChannel; only the failure throttle tells them apart
    (shared/inbox/throttle.py counts calls to such a channel, not to ids naming nothing)."""


@dataclass(frozen=True, slots=True)
class ChannelSecret:
    tenant_id: UUID
    channel_account_id: UUID
    secret: str


_cipher: CredentialCipher | None = None


def _credential_cipher() -> CredentialCipher:
    global _cipher
    if _cipher is None:
        _cipher = CredentialCipher()
    return _cipher


async def channel_secret(tenant_id: str, channel_account_id: str, platform: str,
                         credential_key: str) -> ChannelSecret:
    """The decrypted ``credential_key`` of the tenant's ``platform`` channel, or UnknownChannel.

    The tenant comes from the URL and the lookup runs under that tenant's RLS scope, so a channel id
    paired with another seller's tenant id finds nothing (no cross-tenant lookup exists at all).
    """
    try:
        tenant, account = parse_tenant_id(tenant_id), parse_tenant_id(channel_account_id)
    except InvalidTenantId:
        raise UnknownChannel() from None
    try:
        version = await TenantKeys(redis_client(), tenant).get(version_key(account))
    except (redis.exceptions.RedisError, OSError) as problem:
        # Redis away: the webhook still stores what it can, from the database.
        logger.warning("channel credentials version unavailable (%s); reading the database", type(problem).__name__)
        return await _stored_secret(tenant, account, platform, credential_key)
    return await secret_at_version(tenant, account, platform, credential_key, version)


async def secret_at_version(tenant: UUID, account: UUID, platform: str, credential_key: str,
                            version: bytes | None, *, cacheable: bool = True) -> ChannelSecret:
    """As ``channel_secret`` with the credentials version already read (``cacheable`` False: it could
    not be read, so neither trust nor fill the cache)."""
    if not cacheable:
        return await _stored_secret(tenant, account, platform, credential_key)
    cache_key = (tenant, account, platform, credential_key)
    cached = _cache.get(cache_key)
    if cached is not None and cached[0] == version:
        return cached[1]
    secret = await _stored_secret(tenant, account, platform, credential_key)
    _cache[cache_key] = (version, secret)
    return secret


async def _stored_secret(tenant: UUID, account: UUID, platform: str, credential_key: str) -> ChannelSecret:
    async with tenant_tx(tenant):
        row = await ChannelAccount.select(ChannelAccount.credentials_encrypted, ChannelAccount.status).where(
            (ChannelAccount.id == account) & (ChannelAccount.platform == platform)).first()
    if row is None:
        raise UnknownChannel()
    if row["status"] == "disconnected" or not row["credentials_encrypted"]:
        raise ChannelGone()
    try:
        credentials = _credential_cipher().decrypt(tenant, account, row["credentials_encrypted"])
    except CredentialsError:
        raise ChannelGone() from None
    secret = credentials.get(credential_key)
    if not isinstance(secret, str) or not secret:
        raise ChannelGone()
    return ChannelSecret(tenant, account, secret)
