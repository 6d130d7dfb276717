"""S3-compatible object store (MinIO locally, MinIO/S3 in production)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from shared.settings import Settings, load

if TYPE_CHECKING:
    from minio import Minio


class ObjectStoreSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "S3_"
    endpoint: str  # host:port, no scheme
    access_key: str
    secret_key: str
    bucket: str = "bokai-documents"
    # Passing the region avoids an extra location request per call.
    region: str = "us-east-1"
    secure: bool = True


def make_minio(settings: ObjectStoreSettings | None = None) -> Minio:
    from minio import Minio  # ~180 ms import: only functions that store objects pay it

    settings = settings or load(ObjectStoreSettings)
    return Minio(
        settings.endpoint,
        access_key=settings.access_key,
        secret_key=settings.secret_key,
        secure=settings.secure,
        region=settings.region,
    )


def ensure_bucket(client: Minio, bucket: str) -> None:
    if not client.bucket_exists(bucket):
        client.make_bucket(bucket)
