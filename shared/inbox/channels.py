"""Finding the channel a webhook is addressed to, inside its tenant, and its stored secret."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.channels.credentials import CredentialCipher, CredentialsError
from shared.channels.tables import ChannelAccount
from shared.tenancy.db import tenant_tx
from shared.tenancy.ids import InvalidTenantId, parse_tenant_id


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
