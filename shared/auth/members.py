"""A seller's team: member list, role changes and removal, always keeping an owner.

Who may act is decided by the acting member's role *in the locked rows*, not by their token, so a
demotion committed a moment earlier is already in force; every change is published to the guard's
role cache (``live_roles``) right after its commit and voids the invites its subject may no longer grant.
"""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis

from shared.accounts.tables import Membership
from shared.auth.errors import Conflict, Forbidden, NotFound, Unauthenticated
from shared.auth.invites import check_owner_rule, void_invites_of
from shared.auth.live_roles import remember_role
from shared.auth.permissions import permissions_for
from shared.auth.principal import Principal
from shared.auth.queries import tx_connection
from shared.auth.schemas import MemberView
from shared.auth.sessions import end_user_sessions
from shared.tenancy.db import tenant_tx

LAST_OWNER = "A workspace needs at least one owner: make someone else an owner first."
NO_SUCH_MEMBER = "There is no such member in this workspace."


async def list_members(principal: Principal) -> list[MemberView]:
    async with tenant_tx(principal.tenant_id):
        rows = await tx_connection().fetch(
            """SELECT m.user_id, u.email, m.role, m.created_at FROM memberships m
               JOIN users u ON u.id = m.user_id WHERE m.tenant_id = $1 ORDER BY m.created_at, u.email""",
            principal.tenant_id)
    return [MemberView(user_id=r["user_id"], email=r["email"], role=r["role"], joined_at=r["created_at"])
            for r in rows]


async def _locked_roles(tenant_id: UUID) -> dict[UUID, str]:
    # Locking every membership row of the tenant serialises concurrent demotions/removals, so two
    # owners cannot demote each other at once and leave the workspace ownerless.
    rows = await tx_connection().fetch(
        "SELECT user_id, role FROM memberships WHERE tenant_id = $1 FOR UPDATE", tenant_id)
    return {r["user_id"]: r["role"] for r in rows}


def _acting_role(principal: Principal, roles: dict[UUID, str]) -> str:
    acting = roles.get(principal.user_id)
    if acting is None:
        raise Unauthenticated("You no longer have access to this workspace. Please sign in again.")
    if "admin" not in permissions_for(acting):
        raise Forbidden(detail=f"Your role ({acting}) does not allow this; it needs the 'admin' permission.")
    return acting


async def _check_change(principal: Principal, user_id: UUID, new_role: str | None) -> None:
    """Under the tenant's locked memberships: may the acting member give ``user_id`` this role
    (``None``: remove them) without leaving the workspace ownerless? Raises the 401/403/404/409."""
    roles = await _locked_roles(principal.tenant_id)
    acting = _acting_role(principal, roles)
    current = roles.get(user_id)
    if current is None:
        raise NotFound(detail=NO_SUCH_MEMBER)
    check_owner_rule(acting, *(r for r in (current, new_role) if r is not None))
    owners = sum(1 for r in roles.values() if r == "owner")
    if current == "owner" and new_role != "owner" and owners == 1:
        raise Conflict(detail=LAST_OWNER)


def _membership_of(principal: Principal, user_id: UUID):  # noqa: ANN202 - a Piccolo where-clause
    return (Membership.tenant_id == principal.tenant_id) & (Membership.user_id == user_id)


async def change_role(redis: Redis, principal: Principal, user_id: UUID, role: str) -> MemberView:
    async with tenant_tx(principal.tenant_id):
        await _check_change(principal, user_id, role)
        await Membership.update({Membership.role: role}).where(_membership_of(principal, user_id))
    await remember_role(redis, principal.tenant_id, user_id, role)
    await void_invites_of(redis, principal.tenant_id, user_id, role)
    return next(m for m in await list_members(principal) if m.user_id == user_id)


async def remove_member(redis: Redis, principal: Principal, user_id: UUID) -> None:
    async with tenant_tx(principal.tenant_id):
        await _check_change(principal, user_id, None)
        await Membership.delete().where(_membership_of(principal, user_id))
    # After the commit: a removed member's tokens for this seller stop working now, not at expiry.
    await remember_role(redis, principal.tenant_id, user_id, None)
    await end_user_sessions(redis, str(principal.tenant_id), str(user_id))
    await void_invites_of(redis, principal.tenant_id, user_id, None)
