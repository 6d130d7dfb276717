"""Team invites: created by an owner/admin, listable and revocable, void once their creator loses the right.

An invite lives in Redis twice: under the SHA-256 of its token (looked up on accept, before the
tenant is known) and in the tenant's index of open invites (listing and revoking). Accepting checks,
against PostgreSQL, that the creator may still grant that role.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg
import msgspec
from redis.asyncio import Redis

from shared.accounts.tables import Membership, User
from shared.auth import devices
from shared.auth.errors import Conflict, Forbidden, NotFound, Unauthenticated
from shared.auth.live_roles import remember_role
from shared.auth.passwords import hash_password, verify_password
from shared.auth.permissions import permissions_for
from shared.auth.principal import Principal
from shared.auth.queries import find_user_by_email, user_tenant
from shared.auth.schemas import InviteCreated, InviteRequest, InviteView, TokenPair
from shared.auth.service import (
    DUPLICATE_EMAIL,
    check_new_password,
    normalise_email,
    open_session,
    wants_cookie,
)
from shared.auth.settings import AuthSettings
from shared.auth.throttle import LoginThrottle
from shared.tenancy.db import tenant_tx, tx_connection
from shared.tenancy.keys import TenantKeys

INVITE_INVALID = "This invitation is invalid, already used or expired. Ask for a new one."
NO_SUCH_INVITE = "There is no such open invitation in this workspace."


class Invite(msgspec.Struct, frozen=True, kw_only=True):
    tenant_id: str
    email: str
    role: str
    # Empty in invites stored before these fields existed: those are treated as void (no creator).
    id: str = ""
    created_by: str = ""
    created_at: int = 0
    expires_at: int = 0
    token_digest: str = ""


def _token_key(digest: str) -> str:
    return "auth:invite:" + digest


def _index_key(redis: Redis, tenant_id: UUID | str) -> str:
    return TenantKeys(redis, tenant_id).key("auth:invites")


def may_grant(creator_role: str | None, invited_role: str) -> bool:
    """Whether a member with ``creator_role`` may (still) invite someone as ``invited_role``."""
    if creator_role is None or "admin" not in permissions_for(creator_role):
        return False
    return invited_role != "owner" or creator_role == "owner"


def check_owner_rule(acting_role: str, *roles: str) -> None:
    if "owner" in roles and acting_role != "owner":
        raise Forbidden(detail="Only an owner can grant or take away the owner role.")


def _view(invite: Invite) -> InviteView:
    return InviteView(id=UUID(invite.id), email=invite.email, role=invite.role,
                      invited_by=UUID(invite.created_by),
                      created_at=datetime.fromtimestamp(invite.created_at, UTC),
                      expires_at=datetime.fromtimestamp(invite.expires_at, UTC))


async def create_invite(redis: Redis, settings: AuthSettings, principal: Principal,
                        body: InviteRequest) -> InviteCreated:
    email = normalise_email(body.email)
    check_owner_rule(principal.role, body.role)
    async with tenant_tx(principal.tenant_id):
        already = await tx_connection().fetchval(
            """SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
               WHERE m.tenant_id = $1 AND lower(u.email) = $2""", principal.tenant_id, email)
    if already:
        raise Conflict(detail="This person is already a member of the workspace.")
    token = secrets.token_urlsafe(32)
    now = int(datetime.now(UTC).timestamp())
    invite = Invite(tenant_id=str(principal.tenant_id), email=email, role=body.role, id=str(uuid.uuid4()),
                    created_by=str(principal.user_id), created_at=now,
                    expires_at=now + settings.invite_ttl_seconds,
                    token_digest=hashlib.sha256(token.encode()).hexdigest())
    encoded = msgspec.json.encode(invite)
    index = _index_key(redis, principal.tenant_id)
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(_token_key(invite.token_digest), encoded, ex=settings.invite_ttl_seconds)
        pipe.hset(index, invite.id, encoded)
        pipe.expire(index, settings.invite_ttl_seconds, gt=True)
        pipe.expire(index, settings.invite_ttl_seconds, nx=True)
        await pipe.execute()
    return InviteCreated(invite_token=token, email=email, role=body.role,
                         expires_at=datetime.now(UTC) + timedelta(seconds=settings.invite_ttl_seconds),
                         id=UUID(invite.id))


async def _open_invites(redis: Redis, tenant_id: UUID | str) -> list[Invite]:
    index = _index_key(redis, tenant_id)
    invites = [msgspec.json.decode(raw, type=Invite) for raw in (await redis.hgetall(index)).values()]
    now = datetime.now(UTC).timestamp()
    expired = [i.id for i in invites if i.expires_at <= now]
    if expired:
        await redis.hdel(index, *expired)
    return [i for i in invites if i.expires_at > now]


async def list_invites(redis: Redis, principal: Principal) -> list[InviteView]:
    invites = await _open_invites(redis, principal.tenant_id)
    return [_view(i) for i in sorted(invites, key=lambda i: (i.created_at, i.email))]


async def _forget(redis: Redis, invites: list[Invite]) -> None:
    if not invites:
        return
    async with redis.pipeline(transaction=True) as pipe:
        for invite in invites:
            pipe.delete(_token_key(invite.token_digest))
            pipe.hdel(_index_key(redis, invite.tenant_id), invite.id)
        await pipe.execute()


async def revoke_invite(redis: Redis, principal: Principal, invite_id: UUID) -> None:
    raw = await redis.hget(_index_key(redis, principal.tenant_id), str(invite_id))
    if raw is None:
        raise NotFound(detail=NO_SUCH_INVITE)
    invite = msgspec.json.decode(raw, type=Invite)
    check_owner_rule(principal.role, invite.role)
    await _forget(redis, [invite])


async def void_invites_of(redis: Redis, tenant_id: UUID | str, creator_id: UUID | str,
                          creator_role: str | None) -> int:
    """After a role change or removal: drop the open invites their creator may no longer grant."""
    void = [i for i in await _open_invites(redis, tenant_id)
            if i.created_by == str(creator_id) and not may_grant(creator_role, i.role)]
    await _forget(redis, void)
    return len(void)


async def _creator_role(invite: Invite) -> str | None:
    if not invite.created_by:
        return None
    async with tenant_tx(invite.tenant_id):
        return await tx_connection().fetchval(
            "SELECT role FROM memberships WHERE tenant_id = $1 AND user_id = $2",
            UUID(invite.tenant_id), UUID(invite.created_by))


async def accept_invite(redis: Redis, settings: AuthSettings, token: str, password: str,
                        client_ip: str, *, delivery: str = "body",
                        cookies: Mapping[str, str] | None = None) -> TokenPair:
    """Join the inviting workspace: an existing account proves itself with its password,
    a new one is created with this password. ``delivery``/``cookies`` as for login."""
    cookie = wants_cookie(settings, delivery)
    raw = await redis.get(_token_key(hashlib.sha256(token.encode()).hexdigest()))
    if raw is None:
        raise NotFound(detail=INVITE_INVALID)
    invite = msgspec.json.decode(raw, type=Invite)
    if not may_grant(await _creator_role(invite), invite.role):
        await _forget(redis, [invite])
        raise NotFound(detail=INVITE_INVALID)
    found = await find_user_by_email(invite.email)
    if found is not None:
        # Same throttle as login: an invite link must not become a way to guess a password.
        throttle = LoginThrottle(redis, settings, email=invite.email, client_ip=client_ip,
                                 device=devices.known_device(settings, invite.email, cookies or {}))
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
    await _forget(redis, [invite])
    # A member removed earlier and invited back must not meet their cached "not a member".
    await remember_role(redis, tenant_id, user_id, invite.role)
    assert tenant is not None
    return await open_session(redis, settings, user_id, tenant, cookie=cookie)
