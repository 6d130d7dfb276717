"""Create what the stores need before the first request (idempotent): `python -m shared.bootstrap`."""

from __future__ import annotations

import asyncio

from shared.infra.notifications import UploadNotifySettings, ensure_upload_notifications
from shared.infra.objects import ObjectStoreSettings, ensure_bucket, make_minio
from shared.infra.vectors import connect_weaviate, ensure_curated_collection, ensure_knowledge_collection
from shared.settings import load


async def bootstrap() -> None:
    settings = load(ObjectStoreSettings)
    minio = make_minio(settings)
    await asyncio.to_thread(ensure_bucket, minio, settings.bucket)
    target = load(UploadNotifySettings).target
    if target:
        await asyncio.to_thread(ensure_upload_notifications, minio, settings.bucket, target)
    client = await connect_weaviate()
    try:
        await ensure_knowledge_collection(client)
        await ensure_curated_collection(client)
    finally:
        await client.close()


if __name__ == "__main__":
    asyncio.run(bootstrap())
    print("stores ready")
