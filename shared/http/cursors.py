"""The one pagination cursor of our APIs: opaque keyset cursors, base64url of (timestamp, id).

A list ordered by (a timestamp, id) descending hands out the last item's pair; the next page is
the rows strictly after it. Clients cannot depend on the shape, and a page needs no lookup of the
row the cursor names (it may have been deleted since).
"""

from __future__ import annotations

import base64
from datetime import datetime
from uuid import UUID

import msgspec

INVALID = "The cursor is not valid; start again from the first page."


class InvalidCursor(ValueError):
    def __init__(self) -> None:
        super().__init__(INVALID)


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
        raise InvalidCursor() from None
