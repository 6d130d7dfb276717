"""Each member's current role, as the database has it, cached in Redis for the guard.

An access token states the role it was issued for; the guard compares it with the role stored here,
so a demotion or removal takes effect on the caller's next request rather than at token expiry.
Role changes overwrite the cached value right after their commit; a missing value (evicted, never
cached) is read from PostgreSQL and cached only if nothing newer was written meanwhile (SET NX).
"""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis

from shared.tenancy.db import tenant_tx, tx_connection
from shared.tenancy.keys import TenantKeys

NOT_A_MEMBER = "-"
# Bounds how long a change made outside the app (SQL by an operator) can go unnoticed.
CACHE_SECONDS = 10 * 60


def role_key(redis: Redis, tenant_id: UUID | str, user_id: UUID | str) -> str:
    return TenantKeys(redis, tenant_id).key(f"auth:role:{user_id}")


async def remember_role(redis: Redis, tenant_id: UUID | str, user_id: UUID | str, role: str | None) -> None:
    """Call after the transaction that changed (``role``) or removed (``None``) the membership committed."""
    await redis.set(role_key(redis, tenant_id, user_id), role or NOT_A_MEMBER, ex=CACHE_SECONDS)


async def role_from_database(redis: Redis, tenant_id: UUID | str, user_id: UUID | str) -> str | None:
    async with tenant_tx(tenant_id):
        role = await tx_connection().fetchval(
            "SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2", UUID(str(tenant_id)),
            UUID(str(user_id)))
    # NX: a change committed while we read must win over what we read before it.
    await redis.set(role_key(redis, tenant_id, user_id), role or NOT_A_MEMBER, ex=CACHE_SECONDS, nx=True)
    return role


def cached_role(value: bytes | None) -> str | None | bool:
    """The cached role, ``None`` for "not a member", ``False`` when nothing is cached."""
    if value is None:
        return False
    role = value.decode()
    return None if role == NOT_A_MEMBER else role
