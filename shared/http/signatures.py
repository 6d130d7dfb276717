"""The one HMAC-SHA256 request signature (Stripe-style, timestamped) for webhooks we receive and send.

The signer computes ``hex(HMAC_SHA256(secret, f"{timestamp}.{raw body}"))`` and sends
``X-BokAI-Timestamp: <unix seconds>`` and ``X-BokAI-Signature: sha256=<hex>``. A timestamp more than
five minutes away from our clock is refused, so a captured request cannot be replayed later (the
receiver also refuses a signature it accepted before: shared/inbox/signing.py). Used for the generic
channel's webhook in (inbox) and its reply callbacks out (channels), and the billing webhook.
Standard library only: every function and the worker may import it.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE_SECONDS = 5 * 60
SIGNATURE_PREFIX = "sha256="
TIMESTAMP_HEADER = "X-BokAI-Timestamp"
SIGNATURE_HEADER = "X-BokAI-Signature"


class InvalidSignature(Exception):
    pass


def sign(secret: str | bytes, timestamp: int | str, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return SIGNATURE_PREFIX + hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()


def signed_headers(secret: str | bytes, body: bytes, *, now: float | None = None) -> dict[str, str]:
    """The two headers of a request we send; the receiver checks them with ``verify``."""
    timestamp = str(int(now if now is not None else time.time()))
    return {TIMESTAMP_HEADER: timestamp, SIGNATURE_HEADER: sign(secret, timestamp, body)}


def check_headers(timestamp_header: str | None, signature_header: str | None, *, now: float | None = None) -> int:
    """The timestamp, or InvalidSignature for missing or stale headers: all a receiver can check
    before it reads the body."""
    if not timestamp_header or not signature_header:
        raise InvalidSignature("missing signature headers")
    try:
        timestamp = int(timestamp_header.strip())
    except ValueError:
        raise InvalidSignature("timestamp is not unix seconds") from None
    if abs((now if now is not None else time.time()) - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp outside the tolerance window")
    return timestamp


def verify(secret: str | bytes, timestamp_header: str | None, signature_header: str | None, body: bytes,
           *, now: float | None = None) -> str:
    """Return the verified signature, or raise InvalidSignature (forged, missing or stale)."""
    timestamp = check_headers(timestamp_header, signature_header, now=now)
    expected = sign(secret, timestamp, body)
    # Several signatures may be sent during a secret rotation: "sha256=a, sha256=b".
    candidates = [part.strip() for part in (signature_header or "").split(",")]
    if not any(hmac.compare_digest(expected.encode(), c.encode()) for c in candidates):
        raise InvalidSignature("signature does not match")
    return expected
