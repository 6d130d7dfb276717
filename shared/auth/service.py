"""Register, sign in, switch tenant, refresh, sign out and "who am I"."""

from __future__ import annotations

import logging
import re
import secrets
import time
import uuid
from collections.abc import Mapping
from uuid import UUID

import asyncpg
from redis.asyncio import Redis

from shared.accounts.tables import Membership, Tenant, User
from shared.auth import devices
from shared.auth.errors import BAD_CREDENTIALS, Conflict, Forbidden, InvalidInput, Unauthenticated
from shared.auth.passwords import hash_password, password_problem, verify_password
from shared.auth.permissions import permissions_for
from shared.auth.principal import Principal
from shared.auth.queries import find_user_by_email, tx_connection, user_tenant, user_tenants
from shared.auth.schemas import (
    LoginRequest,
    MeResponse,
    RegisterRequest,
    TenantView,
    TokenPair,
    UserView,
)
from shared.auth.sessions import (
    RefreshRejected,
    end_session,
    keep_in_cookie,
    revoke_access_token,
    rotate_refresh_token,
    session_record,
    start_session,
)
from shared.auth.settings import AuthSettings
from shared.auth.slugs import slug_candidates
from shared.auth.throttle import LoginThrottle, registration_throttle
from shared.auth.tokens import issue_access_token
from shared.tenancy.db import tenant_tx, user_tx

logger = logging.getLogger("bokai.auth")

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
NOT_A_MEMBER = "You are not a member of that workspace."
DUPLICATE_EMAIL = "An account with this email already exists. Sign in instead, or ask to be invited."


def wants_cookie(settings: AuthSettings, delivery: str) -> bool:
    if delivery != "cookie":
        return False
    if not settings.refresh_cookie:
        raise InvalidInput("refreshTokenDelivery", "This deployment does not issue refresh-token cookies "
                                                   "(AUTH_REFRESH_COOKIE); use \"body\".")
    return True


def normalise_email(raw: str) -> str:
    email = raw.strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput("email", "Enter a valid email address, e.g. anna@sklep.pl.")
    return email


def check_new_password(password: str) -> None:
    problem = password_problem(password)
    if problem:
        raise InvalidInput("password", problem)


def token_pair(settings: AuthSettings, user_id: UUID, tenant: TenantView, session_id: str,
               refresh_token: str, cookie: bool = False) -> TokenPair:
    """Always with the refresh token: in cookie mode the answer moves it into the cookie
    (shared/auth/cookies.py)."""
    access, _ = issue_access_token(
        settings, user_id=str(user_id), tenant_id=str(tenant.id), role=tenant.role,
        permissions=permissions_for(tenant.role), session_id=session_id,
        subscription=tenant.subscription_status,
    )
    return TokenPair(access_token=access, refresh_token=refresh_token,
                     expires_in=settings.access_ttl_seconds, tenant=tenant,
                     refresh_token_delivery="cookie" if cookie else "body")


async def open_session(redis: Redis, settings: AuthSettings, user_id: UUID, tenant: TenantView, *,
                       cookie: bool = False) -> TokenPair:
    session, refresh = await start_session(redis, user_id=str(user_id), tenant_id=str(tenant.id),
                                           ttl_seconds=settings.refresh_ttl_seconds, cookie=cookie)
    return token_pair(settings, user_id, tenant, session.family_id, refresh, cookie)


async def _insert_tenant(tenant_id: UUID, company_name: str) -> str:
    # Other tenants' slugs are invisible under RLS, so the unique index decides; each attempt runs
    # in a savepoint so a collision does not abort the registration transaction.
    candidates = slug_candidates(company_name)
    candidates.append(f"{candidates[0]}-{secrets.token_hex(3)}")
    for slug in candidates:
        try:
            async with tx_connection().transaction():
                await Tenant.insert(Tenant(id=tenant_id, name=company_name, slug=slug))
            return slug
        except asyncpg.UniqueViolationError:
            continue
    raise Conflict(detail="Could not find a free address for this company name; try a longer name.")


async def register(redis: Redis, settings: AuthSettings, body: RegisterRequest,
                   client_ip: str | None = None) -> TokenPair:
    """``client_ip``: the HTTP caller's address, throttled per address (operator tools pass none)."""
    cookie = wants_cookie(settings, body.refresh_token_delivery)
    if client_ip is not None:
        # Every attempt counts (a duplicate email answers 409, so attempts could enumerate accounts).
        throttle = registration_throttle(redis, settings, client_ip)
        await throttle.check()
        await throttle.hit()
    email = normalise_email(body.email)
    check_new_password(body.password)
    company_name = body.company_name.strip()
    if not company_name:
        raise InvalidInput("companyName", "Enter your company name.")
    password_hash = await hash_password(body.password)
    user_id, tenant_id = uuid.uuid4(), uuid.uuid4()
    async with tenant_tx(tenant_id, user_id=user_id):
        try:
            await User.insert(User(id=user_id, email=email, password_hash=password_hash))
        except asyncpg.UniqueViolationError:
            raise Conflict(detail=DUPLICATE_EMAIL) from None
        await _insert_tenant(tenant_id, company_name)
        await Membership.insert(Membership(tenant_id=tenant_id, user_id=user_id, role="owner"))
        tenant = await user_tenant(user_id, tenant_id)
    assert tenant is not None
    logger.info("registered tenant %s", tenant_id)
    return await open_session(redis, settings, user_id, tenant, cookie=cookie)


async def login(redis: Redis, settings: AuthSettings, body: LoginRequest, client_ip: str,
                cookies: Mapping[str, str] | None = None) -> TokenPair:
    """``cookies``: the request's cookies, where a device cookie of this account may be."""
    email = body.email.strip().lower()
    cookie = wants_cookie(settings, body.refresh_token_delivery)
    throttle = LoginThrottle(redis, settings, email=email, client_ip=client_ip,
                             device=devices.known_device(settings, email, cookies or {}))
    await throttle.check()
    found = await find_user_by_email(email)
    # Unknown emails verify against a dummy hash: same answer, similar time, no account enumeration.
    if not await verify_password(found[1] if found else None, body.password) or not found:
        await throttle.record_failure()
        raise Unauthenticated(BAD_CREDENTIALS)
    await throttle.record_success()
    user_id = found[0]
    async with user_tx(user_id):
        tenants = await user_tenants(user_id)
    if body.tenant_id is not None:
        tenants = [t for t in tenants if t.id == body.tenant_id]
        if not tenants:
            raise Forbidden(detail=NOT_A_MEMBER)
    if not tenants:
        raise Forbidden(detail="Your account is not part of any workspace. Ask an owner to invite you.")
    return await open_session(redis, settings, user_id, tenants[0], cookie=cookie)


async def end_current_session(redis: Redis, principal: Principal) -> None:
    await revoke_access_token(redis, str(principal.tenant_id), principal.token_id,
                              principal.expires_at - int(time.time()))
    await end_session(redis, principal.session_id)


async def switch_tenant(redis: Redis, settings: AuthSettings, principal: Principal, tenant_id: UUID) -> TokenPair:
    async with user_tx(principal.user_id):
        tenant = await user_tenant(principal.user_id, tenant_id)
    if tenant is None:
        raise Forbidden(detail=NOT_A_MEMBER)
    # A cookie session stays one: a script holding the access token must not get a refresh token here.
    current = await session_record(redis, principal.session_id)
    # One session per workspace choice: the old tokens stop working once the new ones exist.
    pair = await open_session(redis, settings, principal.user_id, tenant,
                              cookie=current is not None and current.cookie)
    await end_current_session(redis, principal)
    return pair


async def refresh(redis: Redis, settings: AuthSettings, refresh_token: str, *,
                  from_cookie: bool = False) -> TokenPair:
    """``from_cookie``: the token came in the httpOnly cookie, so the next one goes there too, never
    into the body — whatever the session was started with."""
    try:
        session, next_token = await rotate_refresh_token(redis, refresh_token, settings.refresh_ttl_seconds)
    except RefreshRejected as exc:
        if exc.reused:
            logger.warning("refresh token reuse detected; session ended")
            raise Unauthenticated("This session was ended for your security because a refresh token "
                                  "was used twice. Please sign in again.") from None
        raise Unauthenticated() from None
    user_id = UUID(session.user_id)
    # Role and subscription are read again, so a role change applies from the next token on.
    async with tenant_tx(session.tenant_id, user_id=user_id):
        tenant = await user_tenant(user_id, UUID(session.tenant_id))
    if tenant is None:
        await end_session(redis, session.family_id)
        raise Unauthenticated("You no longer have access to this workspace. Please sign in again.")
    if from_cookie:
        session = await keep_in_cookie(redis, session)
    return token_pair(settings, user_id, tenant, session.family_id, next_token, session.cookie)


async def me(principal: Principal) -> MeResponse:
    async with tenant_tx(principal.tenant_id, user_id=principal.user_id):
        user = await User.select(User.id, User.email).where(User.id == principal.user_id).first()
        tenants = await user_tenants(principal.user_id)
    current = next((t for t in tenants if t.id == principal.tenant_id), None)
    if user is None or current is None:
        raise Unauthenticated("You no longer have access to this workspace. Please sign in again.")
    return MeResponse(user=UserView(id=user["id"], email=user["email"]), tenant=current,
                      role=principal.role, permissions=sorted(principal.permissions), tenants=tenants)
