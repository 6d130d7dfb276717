"""Direct uploads of large documents: a time-bounded presigned POST of one key under the tenant's prefix.

Flow: ``POST /uploads`` creates the document row ('awaiting_upload') and returns the URL and form
fields → the client POSTs the file straight to MinIO as multipart/form-data → MinIO's bucket
notification reaches functions/webhooks → the inbox actor measures the object and enqueues ingestion.
The signed policy names the one key and a content-length range, so MinIO itself refuses a file over
the limit (400 EntityTooLarge) or for another key (403); the inbox actor's size check stays as the
second line (a ticket from before this change was a PUT that bounded nothing).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from uuid import UUID

import msgspec

from shared.knowledge.service import (
    MAX_DOCUMENT_BYTES,
    DocumentTooLarge,
    InvalidRequest,
    _view,
    display_filename,
    display_title,
    safe_filename,
)
from shared.knowledge.schemas import DocumentView
from shared.knowledge.stores import KnowledgeStores
from shared.knowledge.tables import KnowledgeDocument
from shared.tenancy.db import tenant_tx

AWAITING_UPLOAD = "awaiting_upload"
UPLOAD_URL_LIFETIME = timedelta(minutes=15)


class EmptyFile(InvalidRequest):
    """sizeBytes announced 0 or less: the caller's sizeBytes is wrong, not its filename."""


class UploadRequest(msgspec.Struct, rename="camel", kw_only=True):
    filename: str
    title: str | None = None
    # Declared by the client to refuse an obviously too large file early; the real size is checked
    # again when the object arrives.
    size_bytes: int | None = None


class UploadTicket(msgspec.Struct, rename="camel", kw_only=True):
    document: DocumentView
    # POST multipart/form-data to upload_url: every entry of ``fields`` as a form field, then the file
    # as the last part, named "file" (S3 POST Object). Answers 204 when stored.
    upload_url: str
    fields: dict[str, str] = {}
    method: str = "POST"
    expires_at: datetime
    max_bytes: int = MAX_DOCUMENT_BYTES


async def start_upload(stores: KnowledgeStores, tenant_id: UUID, user_id: UUID | None,
                       request: UploadRequest) -> UploadTicket:
    if not request.filename.strip() or len(request.filename) > 1024:
        raise InvalidRequest("Give the file's name (at most 1024 characters; it is shortened to 255).")
    filename, title = display_filename(request.filename), display_title(request.title)
    if request.size_bytes is not None and request.size_bytes > MAX_DOCUMENT_BYTES:
        raise DocumentTooLarge()
    if request.size_bytes is not None and request.size_bytes <= 0:
        raise EmptyFile("The file is empty (sizeBytes is at least 1).")
    document_id = uuid.uuid4()
    key = f"uploads/{document_id}/{safe_filename(filename)}"
    now = datetime.now(timezone.utc)
    row = KnowledgeDocument(
        id=document_id, tenant_id=tenant_id, title=title or filename,
        filename=filename, object_key=key, size_bytes=0, status=AWAITING_UPLOAD,
        uploaded_by=user_id, created_at=now, updated_at=now,
    )
    async with tenant_tx(tenant_id):
        await KnowledgeDocument.insert(row)
    url, fields = await stores.objects(tenant_id).presigned_post(key, max_bytes=MAX_DOCUMENT_BYTES,
                                                                 expires=UPLOAD_URL_LIFETIME)
    return UploadTicket(document=_view(row.to_dict()), upload_url=url, fields=fields,
                        expires_at=now + UPLOAD_URL_LIFETIME)
