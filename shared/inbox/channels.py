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
    cache_key = (tenant, account, platform, credential_key)
    cached = _cache.get(cache_key)
    if cached is not None and cached[0] == version:
        return cached[1]
    secret = await _stored_secret(tenant, account, platform, credential_key)
    _cache[cache_key] = (version, secret)
    return secret


async def _stored_secret(tenant: UUID, account: UUID, platform: str, credential_key: str) -> ChannelSecret:
    async with tenant_tx(tenant):
        row = await ChannelAccount.select(ChannelAccount.credentials_encrypted).where(
            (ChannelAccount.id == account) & (ChannelAccount.platform == platform)
            & (ChannelAccount.status != "disconnected")).first()
    if row is None or not row["credentials_encrypted"]:
        raise UnknownChannel()
    try:
        credentials = _credential_cipher().decrypt(tenant, account, row["credentials_encrypted"])
    except CredentialsError:
        raise UnknownChannel() from None
    secret = credentials.get(credential_key)
    if not isinstance(secret, str) or not secret:
        raise UnknownChannel()
    return ChannelSecret(tenant, account, secret)
