"""A seller's team: invites, member list, role changes and removal, always keeping an owner."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import msgspec
from redis.asyncio import Redis

from shared.accounts.tables import Membership, User
from shared.auth.errors import Conflict, Forbidden, NotFound, Unauthenticated
from shared.auth.passwords import hash_password, verify_password
from shared.auth.principal import Principal
from shared.auth.queries import find_user_by_email, tx_connection, user_tenant
from shared.auth.schemas import InviteCreated, InviteRequest, MemberView, TokenPair
from shared.auth.sessions import end_user_sessions
from shared.auth.service import DUPLICATE_EMAIL, check_new_password, normalise_email, open_session
from shared.auth.settings import AuthSettings
from shared.auth.throttle import LoginThrottle
from shared.tenancy.db import tenant_tx

LAST_OWNER = "A workspace needs at least one owner: make someone else an owner first."
NO_SUCH_MEMBER = "There is no such member in this workspace."
INVITE_INVALID = "This invitation is invalid, already used or expired. Ask for a new one."


class Invite(msgspec.Struct, frozen=True):
    tenant_id: str
    email: str
    role: str


def _invite_key(token: str) -> str:
    # Invites are looked up by token before the tenant is known, hence a global, hashed key.
    return "auth:invite:" + hashlib.sha256(token.encode()).hexdigest()


def _check_owner_rule(principal: Principal, *roles: str) -> None:
    if "owner" in roles and principal.role != "owner":
        raise Forbidden(detail="Only an owner can grant or take away the owner role.")


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


async def change_role(principal: Principal, user_id: UUID, role: str) -> MemberView:
    async with tenant_tx(principal.tenant_id):
        roles = await _locked_roles(principal.tenant_id)
        current = roles.get(user_id)
        if current is None:
            raise NotFound(detail=NO_SUCH_MEMBER)
        _check_owner_rule(principal, current, role)
        owners = sum(1 for r in roles.values() if r == "owner")
        if current == "owner" and role != "owner" and owners == 1:
            raise Conflict(detail=LAST_OWNER)
        await Membership.update({Membership.role: role}).where(
            (Membership.tenant_id == principal.tenant_id) & (Membership.user_id == user_id))
    return next(m for m in await list_members(principal) if m.user_id == user_id)


async def remove_member(redis: Redis, principal: Principal, user_id: UUID) -> None:
    async with tenant_tx(principal.tenant_id):
        roles = await _locked_roles(principal.tenant_id)
        current = roles.get(user_id)
        if current is None:
            raise NotFound(detail=NO_SUCH_MEMBER)
        _check_owner_rule(principal, current)
        if current == "owner" and sum(1 for r in roles.values() if r == "owner") == 1:
            raise Conflict(detail=LAST_OWNER)
        await Membership.delete().where(
            (Membership.tenant_id == principal.tenant_id) & (Membership.user_id == user_id))
    # After the commit: a removed member's tokens for this seller stop working now, not at expiry.
    await end_user_sessions(redis, str(principal.tenant_id), str(user_id))


async def create_invite(redis: Redis, settings: AuthSettings, principal: Principal,
                        body: InviteRequest) -> InviteCreated:
    email = normalise_email(body.email)
    _check_owner_rule(principal, body.role)
    async with tenant_tx(principal.tenant_id):
        already = await tx_connection().fetchval(
            """SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
               WHERE m.tenant_id = $1 AND lower(u.email) = $2""", principal.tenant_id, email)
    if already:
        raise Conflict(detail="This person is already a member of the workspace.")
    token = secrets.token_urlsafe(32)
    invite = Invite(tenant_id=str(principal.tenant_id), email=email, role=body.role)
    await redis.set(_invite_key(token), msgspec.json.encode(invite), ex=settings.invite_ttl_seconds)
    expires_at = datetime.now(UTC) + timedelta(seconds=settings.invite_ttl_seconds)
    return InviteCreated(invite_token=token, email=email, role=body.role, expires_at=expires_at)


async def accept_invite(redis: Redis, settings: AuthSettings, token: str, password: str,
                        client_ip: str) -> TokenPair:
    """Join the inviting workspace: an existing account proves itself with its password,
    a new one is created with this password."""
    raw = await redis.get(_invite_key(token))
    if raw is None:
        raise NotFound(detail=INVITE_INVALID)
    invite = msgspec.json.decode(raw, type=Invite)
    found = await find_user_by_email(invite.email)
    if found is not None:
        # Same throttle as login: an invite link must not become a way to guess a password.
        throttle = LoginThrottle(redis, settings, email=invite.email, client_ip=client_ip)
        await throttle.check()
        if not await verify_password(found[1], password):
            await throttle.record_failure()
            raise Unauthenticated("The password does not match the existing account for this email.")
        await throttle.record_success()
        user_id, new_hash = found[0], None
    else:
        check_new_password(password)
        user_id, new_hash = uuid.uuid4(), await hash_password(password)
    tenant_id = UUID(invite.tenant_id)
    async with tenant_tx(tenant_id, user_id=user_id):
        try:
            if new_hash is not None:
                await User.insert(User(id=user_id, email=invite.email, password_hash=new_hash))
            await Membership.insert(Membership(tenant_id=tenant_id, user_id=user_id, role=invite.role))
        except asyncpg.UniqueViolationError as exc:
            detail = DUPLICATE_EMAIL if "users" in str(exc.table_name) else "You are already a member of this workspace."
            raise Conflict(detail=detail) from None
        tenant = await user_tenant(user_id, tenant_id)
    # Deleted only after joining, so a failed attempt (e.g. weak password) leaves the invite usable.
    await redis.delete(_invite_key(token))
    assert tenant is not None
    return await open_session(redis, settings, user_id, tenant)
