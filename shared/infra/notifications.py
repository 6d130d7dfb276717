"""MinIO bucket notifications for presigned uploads (set up by `python -m shared.bootstrap`)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, ClassVar

from shared.settings import Settings

if TYPE_CHECKING:
    from minio import Minio

logger = logging.getLogger("bokai.bootstrap")
UPLOAD_EVENTS = ["s3:ObjectCreated:*"]


class UploadNotifySettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "S3_NOTIFY_"
    # MinIO webhook target id configured on the server (MINIO_NOTIFY_WEBHOOK_*_BOKAI in start_minio);
    # empty disables upload notifications for this bucket.
    target: str = "BOKAI"


def upload_notification_arn(target: str) -> str:
    return f"arn:minio:sqs::{target}:webhook"


def ensure_upload_notifications(client: Minio, bucket: str, target: str) -> bool:
    """Objects created under ``tenants/`` notify the webhooks function. Idempotent; False if MinIO lacks the target."""
    from minio.error import S3Error
    from minio.notificationconfig import NotificationConfig, PrefixFilterRule, QueueConfig

    arn = upload_notification_arn(target)
    current = client.get_bucket_notification(bucket)
    if [(q.queue, q.events) for q in current.queue_config_list] == [(arn, UPLOAD_EVENTS)]:
        return True
    wanted = NotificationConfig(queue_config_list=[QueueConfig(
        UPLOAD_EVENTS, config_id="bokai-uploads", prefix_filter_rule=PrefixFilterRule("tenants/"), queue=arn)])
    try:
        client.set_bucket_notification(bucket, wanted)
    except S3Error as problem:
        # A MinIO started without the webhook target (older state): everything else still works; only
        # presigned uploads wait for `scripts/stack restart minio` and the next bootstrap.
        logger.warning("bucket %s: upload notifications not configured (%s)", bucket, problem.code)
        return False
    return True
