"""Paging of the inbox: the shared opaque cursor (shared/http/cursors.py) and the page size bound."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from shared.conversations.errors import InvalidRequest
from shared.http.cursors import InvalidCursor, encode_cursor
from shared.http.cursors import decode_cursor as _decode

__all__ = ["decode_cursor", "encode_cursor", "page_limit"]


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        return _decode(cursor)
    except InvalidCursor as invalid:
        raise InvalidRequest("cursor", str(invalid)) from None


def page_limit(limit: int, *, maximum: int = 100) -> int:
    if not 1 <= limit <= maximum:
        raise InvalidRequest("limit", f"limit must be between 1 and {maximum}.")
    return limit
