"""Redis keys of one tenant: every key this handle touches starts with ``t:<tenant_id>:``."""

from __future__ import annotations

from uuid import UUID

from redis.asyncio import Redis

from shared.tenancy.ids import parse_tenant_id


class TenantKeys:
    def __init__(self, redis: Redis, tenant_id: UUID | str) -> None:
        self._redis = redis
        self.tenant_id = parse_tenant_id(tenant_id)
        self.prefix = f"t:{self.tenant_id}:"

    def key(self, name: str) -> str:
        if not name:
            raise ValueError("redis key name must not be empty")
        # The prefix is fixed before the name, so no name can address another tenant's key.
        return self.prefix + name

    async def get(self, name: str) -> bytes | None:
        return await self._redis.get(self.key(name))

    async def set(self, name: str, value: bytes | str | int, *, ttl_seconds: int | None = None,
                  only_if_new: bool = False) -> bool:
        return bool(await self._redis.set(self.key(name), value, ex=ttl_seconds, nx=only_if_new))

    async def delete(self, *names: str) -> int:
        return int(await self._redis.delete(*(self.key(n) for n in names)))

    async def incr(self, name: str, *, ttl_seconds: int | None = None) -> int:
        key = self.key(name)
        async with self._redis.pipeline(transaction=True) as pipe:
            pipe.incr(key)
            if ttl_seconds is not None:
                pipe.expire(key, ttl_seconds, nx=True)
            value, *_ = await pipe.execute()
        return int(value)

    async def exists(self, name: str) -> bool:
        return bool(await self._redis.exists(self.key(name)))

    async def names(self, pattern: str = "*") -> list[str]:
        """Names (without the prefix) of this tenant's keys matching ``pattern``."""
        found = []
        async for key in self._redis.scan_iter(match=self.key(pattern), count=500):
            found.append(key.decode()[len(self.prefix):])
        return sorted(found)
