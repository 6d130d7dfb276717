"""Objects of one tenant in the documents bucket: every key lives under ``tenants/<tenant_id>/``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urlsplit
from uuid import UUID

from shared.tenancy.ids import parse_tenant_id

if TYPE_CHECKING:
    from minio import Minio

MAX_NAME_LENGTH = 700


class InvalidObjectName(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class StoredObject:
    name: str  # relative to the tenant prefix
    size: int
    etag: str | None
    content_type: str | None
    last_modified: datetime | None


def _checked_name(name: str) -> str:
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InvalidObjectName(f"object name must be 1-{MAX_NAME_LENGTH} characters")
    if name.startswith("/") or "\\" in name or any(ord(c) < 32 for c in name):
        raise InvalidObjectName("object name must be a relative path without control characters")
    if any(part in ("", ".", "..") for part in name.split("/")):
        raise InvalidObjectName("object name must not contain empty, '.' or '..' segments")
    return name


class TenantObjects:
    """The MinIO SDK is synchronous: every call runs in a worker thread."""

    def __init__(self, client: Minio, bucket: str, tenant_id: UUID | str) -> None:
        self._client = client
        self.bucket = bucket
        self.tenant_id = parse_tenant_id(tenant_id)
        self.prefix = f"tenants/{self.tenant_id}/"

    def key(self, name: str) -> str:
        return self.prefix + _checked_name(name)

    def name_of(self, key: str) -> str:
        if not key.startswith(self.prefix):
            raise InvalidObjectName("key is outside this tenant's prefix")
        return key[len(self.prefix):]

    async def put(self, name: str, data: BinaryIO, *, length: int = -1,
                  content_type: str = "application/octet-stream",
                  part_size: int = 10 * 1024 * 1024) -> StoredObject:
        """Stream ``data`` to the store; with ``length=-1`` it is sent in parts of ``part_size``."""
        key = self.key(name)
        result = await asyncio.to_thread(
            self._client.put_object, self.bucket, key, data, length,
            content_type=content_type, part_size=part_size,
        )
        return StoredObject(name, length, result.etag, content_type, None)

    async def get_bytes(self, name: str) -> bytes:
        def read() -> bytes:
            response = self._client.get_object(self.bucket, self.key(name))
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return await asyncio.to_thread(read)

    async def stat(self, name: str) -> StoredObject:
        info = await asyncio.to_thread(self._client.stat_object, self.bucket, self.key(name))
        return StoredObject(name, info.size or 0, info.etag, info.content_type, info.last_modified)

    async def delete(self, name: str) -> None:
        await asyncio.to_thread(self._client.remove_object, self.bucket, self.key(name))

    async def list(self, prefix: str = "") -> list[StoredObject]:
        base = self.prefix + (_checked_name(prefix.rstrip("/")) + "/" if prefix else "")

        def collect() -> list[StoredObject]:
            return [
                StoredObject(self.name_of(o.object_name), o.size or 0, o.etag, o.content_type,
                             o.last_modified)
                for o in self._client.list_objects(self.bucket, prefix=base, recursive=True)
            ]

        return await asyncio.to_thread(collect)

    async def presigned_put_url(self, name: str, *, expires: timedelta = timedelta(minutes=15)) -> str:
        return await asyncio.to_thread(
            self._client.presigned_put_object, self.bucket, self.key(name), expires
        )

    async def presigned_post(self, name: str, *, max_bytes: int,
                             expires: timedelta = timedelta(minutes=15)) -> tuple[str, dict[str, str]]:
        """URL and form fields of a browser-style POST upload of exactly this object, 1 to ``max_bytes``
        bytes: the store checks the signed policy and refuses a larger body itself (400
        EntityTooLarge), which a presigned PUT cannot do."""
        from minio.datatypes import PostPolicy

        key = self.key(name)
        policy = PostPolicy(self.bucket, datetime.now(timezone.utc) + expires)
        policy.add_equals_condition("key", key)
        policy.add_content_length_range_condition(1, max_bytes)
        fields = await asyncio.to_thread(self._client.presigned_post_policy, policy)
        # The SDK signs the form but names no URL: the bucket's, on the endpoint it signs PUTs for.
        put_url = urlsplit(await self.presigned_put_url(name, expires=expires))
        return f"{put_url.scheme}://{put_url.netloc}/{self.bucket}", {"key": key, **fields}
