"""MinIO bucket notifications for presigned uploads: ``tenants/<tenant>/uploads/<document>/<name>`` created."""

from __future__ import annotations

import logging
import re
from typing import ClassVar
from urllib.parse import unquote_plus
from uuid import UUID

import msgspec

from shared.inbox.events import hand_over, store_event
from shared.inbox.schemas import Accepted, UploadNotification
from shared.settings import Settings, load
from shared.tenancy.db import tenant_tx, tx_connection

logger = logging.getLogger("bokai.inbox")

_UPLOAD_KEY = re.compile(
    r"^tenants/(?P<tenant>[0-9a-f-]{36})/(?P<name>uploads/(?P<document>[0-9a-f-]{36})/[^/]{1,200})$")


class UploadBucket(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "S3_"
    bucket: str = "bokai-documents"


class MalformedNotification(ValueError):
    pass


class S3Bucket(msgspec.Struct):
    name: str = ""


class S3Object(msgspec.Struct):
    key: str = ""
    size: int = 0
    eTag: str = ""  # noqa: N815 - MinIO's field names
    sequencer: str = ""


class S3Entity(msgspec.Struct):
    bucket: S3Bucket = msgspec.field(default_factory=S3Bucket)
    object: S3Object = msgspec.field(default_factory=S3Object)


class NotificationRecord(msgspec.Struct):
    eventName: str = ""  # noqa: N815
    s3: S3Entity = msgspec.field(default_factory=S3Entity)


class BucketNotification(msgspec.Struct):
    """What MinIO posts for a bucket event (the S3 event notification format), as far as we read it."""

    Records: list[NotificationRecord] = []  # noqa: N815


_decoder = msgspec.json.Decoder(BucketNotification)

_AWAITING_DOCUMENT = """
SELECT 1 FROM knowledge_documents WHERE id = $1 AND object_key = $2
"""


async def receive_minio(body: bytes) -> Accepted:
    """Events for other buckets, other prefixes or unknown documents are acknowledged and dropped:
    MinIO keeps (and retries) any event it does not get a 2xx for."""
    try:
        notification = _decoder.decode(body)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise MalformedNotification("not a MinIO bucket notification") from None
    bucket = load(UploadBucket).bucket
    new = duplicate = 0
    for record in notification.Records:
        key = unquote_plus(record.s3.object.key)
        match = _UPLOAD_KEY.match(key)
        if not record.eventName.startswith("s3:ObjectCreated:") or record.s3.bucket.name != bucket or not match:
            continue
        try:
            tenant_id, document_id = UUID(match["tenant"]), UUID(match["document"])
        except ValueError:
            continue
        upload = UploadNotification(document_id=str(document_id), object_name=match["name"],
                                    size_bytes=record.s3.object.size)
        async with tenant_tx(tenant_id):
            connection = tx_connection()
            if not await connection.fetchval(_AWAITING_DOCUMENT, document_id, match["name"]):
                continue
            # The ETag changes when the object is uploaded again; the same event redelivered keeps it.
            version = record.s3.object.eTag or record.s3.object.sequencer
            stored = await store_event(tenant_id, "minio", f"{bucket}/{key}@{version}", "object.created", upload)
        await hand_over(stored)
        if not stored.duplicate:
            new += 1
        else:
            duplicate += 1
    return Accepted(duplicate=duplicate > 0 and new == 0)
