"""SQL reused by the auth services; each runs inside a tenant_tx/user_tx opened by the caller."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from shared.auth.schemas import TenantView
from shared.infra.postgres import engine
from shared.tenancy.db import tx_connection

# RLS lets a user see their own memberships in every tenant (to pick one at login), so queries
# about one tenant filter by tenant id as well: the policy is the guarantee, the filter the intent.
_USER_TENANTS = """
SELECT t.id, t.name, t.slug, m.role, t.subscription_status
FROM memberships m JOIN tenants t ON t.id = m.tenant_id
WHERE m.user_id = $1 {extra}
ORDER BY m.created_at, t.id
"""



async def find_user_by_email(email: str) -> tuple[UUID, str] | None:
    """(id, password hash) through the owner-run lookup: works before any user or tenant is known."""
    connection = await engine().pool.acquire() if engine().pool else await engine().get_new_connection()
    try:
        row = await connection.fetchrow("SELECT id, password_hash FROM auth_find_user($1)", email)
    finally:
        if engine().pool:
            await engine().pool.release(connection)
        else:
            await connection.close()
    return (row["id"], row["password_hash"]) if row else None


def _tenant_view(row: asyncpg.Record) -> TenantView:
    return TenantView(id=row["id"], name=row["name"], slug=row["slug"], role=row["role"],
                      subscription_status=row["subscription_status"])


async def user_tenants(user_id: UUID) -> list[TenantView]:
    rows = await tx_connection().fetch(_USER_TENANTS.format(extra=""), user_id)
    return [_tenant_view(r) for r in rows]


async def user_tenant(user_id: UUID, tenant_id: UUID) -> TenantView | None:
    row = await tx_connection().fetchrow(_USER_TENANTS.format(extra="AND m.tenant_id = $2"), user_id, tenant_id)
    return _tenant_view(row) if row else None
