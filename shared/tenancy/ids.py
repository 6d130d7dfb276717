"""Tenant ids are UUIDs; everything that builds a key or prefix from one goes through here."""

from __future__ import annotations

from uuid import UUID

TenantId = UUID


class InvalidTenantId(ValueError):
    pass


def parse_tenant_id(value: UUID | str) -> UUID:
    """Accept a UUID or its string form; reject anything else before it can reach a key or query."""
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        raise InvalidTenantId("tenant id must be a UUID") from None
