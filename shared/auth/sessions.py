"""Sessions in Redis: rotating refresh tokens grouped in families, and revoked access-token ids.

Refresh tokens are opaque random strings; Redis stores only their SHA-256. A token's record holds
its family id and is swapped to "used:<family>" in the same command that reads it, so two uses of
one token can never both succeed, and the second one is recognised as reuse (likely theft) and
ends the whole family. These keys live under ``auth:`` rather than a tenant prefix because a
refresh token is looked up before anyone knows which tenant it belongs to.
"""

from __future__ import annotations

import hashlib
import secrets

import msgspec
from redis.asyncio import Redis

from shared.tenancy.keys import TenantKeys

_REFRESH = "auth:refresh:"
_FAMILY = "auth:family:"
_USED = b"used:"
# Read and mark spent in one atomic step; the spent record keeps the family so a replay can end it.
_SPEND_SCRIPT = """
local value = redis.call('GET', KEYS[1])
if not value then return nil end
if string.sub(value, 1, 5) ~= 'used:' then redis.call('SET', KEYS[1], 'used:' .. value, 'KEEPTTL') end
return value
"""


class Session(msgspec.Struct, frozen=True):
    family_id: str
    user_id: str
    tenant_id: str
    # The refresh token travels only in the httpOnly cookie: never put it in a response body
    # (shared/auth/cookies.py). Default for records written before the field existed.
    cookie: bool = False


class RefreshRejected(Exception):
    def __init__(self, *, reused: bool) -> None:
        super().__init__("refresh token reused" if reused else "refresh token unknown or expired")
        self.reused = reused


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def _new_refresh_token(redis: Redis, family_id: str, ttl_seconds: int) -> str:
    token = secrets.token_urlsafe(32)
    await redis.set(_REFRESH + _digest(token), family_id, ex=ttl_seconds)
    return token


async def start_session(redis: Redis, *, user_id: str, tenant_id: str, ttl_seconds: int,
                        cookie: bool = False) -> tuple[Session, str]:
    session = Session(family_id=secrets.token_urlsafe(16), user_id=user_id, tenant_id=tenant_id, cookie=cookie)
    index = TenantKeys(redis, tenant_id).key(_sessions_name(user_id))
    async with redis.pipeline(transaction=True) as pipe:
        pipe.set(_FAMILY + session.family_id, msgspec.json.encode(session), ex=ttl_seconds)
        # Index of the user's sessions in this tenant, so removing a member ends all of them at once.
        pipe.sadd(index, session.family_id)
        pipe.expire(index, ttl_seconds)
        await pipe.execute()
    return session, await _new_refresh_token(redis, session.family_id, ttl_seconds)


def _sessions_name(user_id: str) -> str:
    return f"auth:sessions:{user_id}"


async def end_user_sessions(redis: Redis, tenant_id: str, user_id: str) -> int:
    """End every session of ``user_id`` in ``tenant_id``: their access and refresh tokens stop at once."""
    index = TenantKeys(redis, tenant_id).key(_sessions_name(user_id))
    families = [f.decode() for f in await redis.smembers(index)]
    if families:
        await redis.delete(*(_FAMILY + f for f in families))
    await redis.delete(index)
    return len(families)


async def rotate_refresh_token(redis: Redis, token: str, ttl_seconds: int) -> tuple[Session, str]:
    """Spend ``token`` and return its session with the next token; raise RefreshRejected otherwise."""
    previous = await redis.eval(_SPEND_SCRIPT, 1, _REFRESH + _digest(token))
    if previous is None:
        raise RefreshRejected(reused=False)
    if previous.startswith(_USED):
        await end_session(redis, previous.removeprefix(_USED).decode())
        raise RefreshRejected(reused=True)
    family_id = previous.decode()
    raw = await redis.get(_FAMILY + family_id)
    if raw is None:  # logged out or ended after reuse
        raise RefreshRejected(reused=False)
    await redis.expire(_FAMILY + family_id, ttl_seconds)
    return msgspec.json.decode(raw, type=Session), await _new_refresh_token(redis, family_id, ttl_seconds)


async def session_record(redis: Redis, family_id: str) -> Session | None:
    raw = await redis.get(_FAMILY + family_id) if family_id else None
    return None if raw is None else msgspec.json.decode(raw, type=Session)


async def keep_in_cookie(redis: Redis, session: Session) -> Session:
    """From now on this session's refresh token travels in the cookie only (it arrived in one)."""
    if session.cookie:
        return session
    marked = msgspec.structs.replace(session, cookie=True)
    await redis.set(_FAMILY + session.family_id, msgspec.json.encode(marked), keepttl=True, xx=True)
    return marked


async def end_session(redis: Redis, family_id: str) -> None:
    if family_id:
        await redis.delete(_FAMILY + family_id)


async def session_alive(redis: Redis, family_id: str) -> bool:
    return bool(await redis.exists(_FAMILY + family_id))


def _revoked_name(jti: str) -> str:
    return f"auth:revoked-jti:{jti}"


async def revoke_access_token(redis: Redis, tenant_id: str, jti: str, ttl_seconds: int) -> None:
    # Kept only until the token would have expired anyway.
    await TenantKeys(redis, tenant_id).set(_revoked_name(jti), 1, ttl_seconds=max(ttl_seconds, 1))


async def access_token_revoked(redis: Redis, tenant_id: str, jti: str, family_id: str) -> bool:
    """One round trip: the token was revoked itself, or its session has ended."""
    revoked, _ = await token_status(redis, tenant_id, jti, family_id, extra_get=None)
    return revoked


async def token_status(redis: Redis, tenant_id: str, jti: str, family_id: str,
                       extra_get: str | None) -> tuple[bool, bytes | None]:
    """Still one round trip: whether the token is revoked, plus the value of ``extra_get`` (the
    guard reads the caller's current role with it)."""
    async with redis.pipeline(transaction=False) as pipe:
        pipe.exists(TenantKeys(redis, tenant_id).key(_revoked_name(jti)))
        pipe.exists(_FAMILY + family_id)
        if extra_get is not None:
            pipe.get(extra_get)
        revoked, family_exists, *extra = await pipe.execute()
    return bool(revoked) or not family_exists, extra[0] if extra else None
