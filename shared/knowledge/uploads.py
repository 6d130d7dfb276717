"""Streaming multipart upload: the file part goes to a spooled temp file as it arrives, never whole into RAM."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import IO

import multipart  # the streaming parser Litestar itself depends on

from shared.knowledge.service import SPOOL_MEMORY_BYTES, DocumentTooLarge, InvalidRequest

MAX_TITLE_BYTES = 1024


@dataclass
class UploadedFile:
    filename: str
    title: str | None
    body: IO[bytes]
    size: int
    sha256: str


async def read_document_upload(content_type: str, chunks: AsyncIterator[bytes], max_bytes: int) -> UploadedFile:
    """Fields: ``file`` (required) and ``title`` (optional)."""
    media_type, options = multipart.parse_options_header(content_type or "")
    boundary = options.get("boundary")
    if media_type != "multipart/form-data" or not boundary:
        raise InvalidRequest("Send the document as multipart/form-data with a 'file' field.")
    parser = multipart.PushMultipartParser(boundary, max_header_count=8, max_segment_count=10)
    spooled = tempfile.SpooledTemporaryFile(max_size=SPOOL_MEMORY_BYTES)
    digest, size, filename, title = hashlib.sha256(), 0, None, b""
    current: multipart.MultipartSegment | None = None
    try:
        async for chunk in chunks:
            for event in parser.parse(chunk):
                if isinstance(event, multipart.MultipartSegment):
                    current = event
                    if event.name == "file" and filename is None:
                        filename = event.filename or "document"
                elif event is None:
                    current = None
                elif current is not None and current.name == "file" and current.filename is not None:
                    size += len(event)
                    if size > max_bytes:
                        raise DocumentTooLarge()
                    digest.update(event)
                    spooled.write(event)
                elif current is not None and current.name == "title":
                    title += event
                    if len(title) > MAX_TITLE_BYTES:
                        raise InvalidRequest("The title is too long (max 255 characters).")
        parser.close()
    except multipart.MultipartError:
        spooled.close()
        raise InvalidRequest("The upload is not valid multipart/form-data.") from None
    except BaseException:
        spooled.close()
        raise
    if filename is None:
        spooled.close()
        raise InvalidRequest("Add the document in a form field named 'file'.")
    spooled.seek(0)
    decoded_title = title.decode("utf-8", "replace").strip()[:255] or None
    return UploadedFile(filename, decoded_title, spooled, size, digest.hexdigest())
