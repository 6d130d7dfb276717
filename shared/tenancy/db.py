"""Tenant-scoped database transactions: the only way application code reaches tenant tables."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from uuid import UUID

import asyncpg

from shared.infra.postgres import engine
from shared.tenancy.ids import parse_tenant_id


class TenantContextError(RuntimeError):
    pass


async def _set_local(name: str, value: str) -> None:
    # SET LOCAL takes no bind parameters; set_config(..., is_local => true) does, and ends with the
    # transaction, so a pooled connection never carries one tenant's setting into the next use.
    # Outside a transaction (TenantContextError) set_config would leak to the pooled connection.
    await tx_connection().execute("SELECT set_config($1, $2, true)", name, value)


def tx_connection() -> asyncpg.Connection:
    """The connection of the tenant-scoped transaction the caller is in (for raw SQL)."""
    transaction = engine().current_transaction.get()
    if transaction is None:
        raise TenantContextError("raw SQL on tenant tables runs inside tenant_tx or user_tx")
    return transaction.connection


@asynccontextmanager
async def _scoped_tx(settings: dict[str, str]) -> AsyncIterator[None]:
    db = engine()
    if db.current_transaction.get() is not None:
        # Piccolo would silently join the outer transaction, which may belong to another tenant.
        raise TenantContextError("tenant-scoped transactions cannot be nested")
    async with db.transaction():
        for name, value in settings.items():
            await _set_local(name, value)
        yield


@asynccontextmanager
async def tenant_tx(tenant_id: UUID | str, *, user_id: UUID | str | None = None) -> AsyncIterator[None]:
    """Run the block in one transaction where RLS shows only ``tenant_id``'s rows.

    ``user_id`` additionally scopes the caller's own user row and memberships (auth flows).
    """
    settings = {"app.tenant_id": str(parse_tenant_id(tenant_id))}
    if user_id is not None:
        settings["app.user_id"] = str(parse_tenant_id(user_id))
    async with _scoped_tx(settings):
        yield


@asynccontextmanager
async def user_tx(user_id: UUID | str) -> AsyncIterator[None]:
    """A transaction scoped to one user and no tenant: their user row, memberships and tenants only.

    Used before a tenant is chosen (login, tenant switch, accepting an invite).
    """
    async with _scoped_tx({"app.user_id": str(parse_tenant_id(user_id))}):
        yield
