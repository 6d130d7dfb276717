"""Opaque keyset cursors: base64url of (timestamp, id), so clients cannot depend on their shape."""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import UUID

import msgspec

from shared.conversations.errors import InvalidRequest

_INVALID = "The cursor is not valid; start again from the first page."


def encode_cursor(at: datetime, row_id: UUID) -> str:
    raw = msgspec.json.encode([at.isoformat(), str(row_id)])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, row_id = msgspec.json.decode(raw, type=tuple[str, str])
        parsed = datetime.fromisoformat(at)
        if parsed.tzinfo is None:
            raise ValueError("naive timestamp")
        return parsed, UUID(row_id)
    except (ValueError, TypeError, msgspec.DecodeError, msgspec.ValidationError):
        raise InvalidRequest("cursor", _INVALID) from None


def page_limit(limit: int, *, maximum: int = 100) -> int:
    if not 1 <= limit <= maximum:
        raise InvalidRequest("limit", f"limit must be between 1 and {maximum}.")
    return limit
