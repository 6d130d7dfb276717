"""HMAC-SHA256 request signatures of the generic channel webhook (Stripe-style timestamped).

The sender computes ``hex(HMAC_SHA256(secret, f"{timestamp}.{raw body}"))`` and sends
``X-BokAI-Timestamp: <unix seconds>`` and ``X-BokAI-Signature: sha256=<hex>``. A timestamp more than
five minutes away from our clock is refused, so a captured request cannot be replayed later; within
the window a signature already accepted once is refused as a replay (see ``ReplayedRequest``).
"""

from __future__ import annotations

import hashlib
import hmac
import time

from shared.infra.redis import redis_client
from shared.tenancy.keys import TenantKeys

TOLERANCE_SECONDS = 5 * 60
SIGNATURE_PREFIX = "sha256="


class InvalidSignature(Exception):
    pass


class ReplayedRequest(Exception):
    """This exact signed request was accepted before; answered 409 (its first copy was stored)."""


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return SIGNATURE_PREFIX + digest


def verify(secret: str, timestamp_header: str | None, signature_header: str | None, body: bytes,
           *, now: float | None = None) -> str:
    """Return the verified signature, or raise InvalidSignature (forged, missing or stale)."""
    if not timestamp_header or not signature_header:
        raise InvalidSignature("missing signature headers")
    try:
        timestamp = int(timestamp_header.strip())
    except ValueError:
        raise InvalidSignature("timestamp is not unix seconds") from None
    if abs((now if now is not None else time.time()) - timestamp) > TOLERANCE_SECONDS:
        raise InvalidSignature("timestamp outside the tolerance window")
    expected = sign(secret, timestamp, body)
    # Several signatures may be sent during a secret rotation: "sha256=a, sha256=b".
    candidates = [part.strip() for part in signature_header.split(",")]
    if not any(hmac.compare_digest(expected.encode(), c.encode()) for c in candidates):
        raise InvalidSignature("signature does not match")
    return expected


def _replay_key(channel_account_id: object, signature: str) -> str:
    return f"webhook-signature:{channel_account_id}:{hashlib.sha256(signature.encode()).hexdigest()[:40]}"


async def ensure_not_replayed(tenant_id: object, channel_account_id: object, signature: str) -> None:
    if await TenantKeys(redis_client(), tenant_id).get(_replay_key(channel_account_id, signature)):
        raise ReplayedRequest()


async def remember_signature(tenant_id: object, channel_account_id: object, signature: str) -> None:
    """Called only after the event is stored: a request that failed before may be sent again as is."""
    # Twice the tolerance: after that the timestamp alone makes the request stale.
    await TenantKeys(redis_client(), tenant_id).set(
        _replay_key(channel_account_id, signature), b"1", ttl_seconds=2 * TOLERANCE_SECONDS)
