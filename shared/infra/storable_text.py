"""Text PostgreSQL can store: no NUL, no lone UTF-16 surrogates (what outside senders still put in theirs)."""

from __future__ import annotations

from typing import Any


def storable_text(text: str) -> str:
    """``text`` without NUL (text and jsonb refuse it) and with each lone surrogate as U+FFFD (asyncpg
    cannot encode one as UTF-8). A platform that cuts an emoji's UTF-16 pair in half sends one."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # Through UTF-16: a split pair that happens to sit side by side is joined again, the rest replaced.
        return text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    return text


def storable(value: Any) -> Any:
    """Every string of a JSON-like value (keys too) made storable; other values unchanged."""
    if isinstance(value, str):
        return storable_text(value)
    if isinstance(value, list | tuple):
        return [storable(item) for item in value]
    if isinstance(value, dict):
        return {storable(key) if isinstance(key, str) else key: storable(item) for key, item in value.items()}
    return value
