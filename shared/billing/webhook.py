"""The payment system's webhook: HMAC-signed JSON (the generic channel's scheme, shared/http/signatures.py).

``POST /function/webhooks/billing`` with ``X-BokAI-Timestamp: <unix seconds>`` and
``X-BokAI-Signature: sha256=hex(HMAC_SHA256(secret, "<timestamp>.<raw body>"))``, the secret being
``billing-webhook-secret``; a timestamp more than 5 minutes off is refused. The body is one
:class:`~shared.billing.subscriptions.SubscriptionEvent`. Unsigned, forged or stale requests change
nothing (401); a redelivery of an event id changes nothing (``duplicate``).
"""

from __future__ import annotations

from typing import ClassVar

import msgspec

from shared.billing.subscriptions import Outcome, SubscriptionEvent, apply_event
from shared.http.signatures import InvalidSignature, verify
from shared.settings import Settings, load


class BillingSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "BILLING_"
    webhook_secret: str = ""


class NotConfigured(Exception):
    pass


class Malformed(Exception):
    pass


async def receive(timestamp: str | None, signature: str | None, body: bytes) -> Outcome:
    secret = load(BillingSettings).webhook_secret
    if not secret:
        raise NotConfigured()
    verify(secret, timestamp, signature, body)  # InvalidSignature before anything is parsed
    try:
        event = msgspec.json.decode(body, type=SubscriptionEvent)
        return await apply_event(event)
    except msgspec.ValidationError as problem:
        raise Malformed(f"Invalid billing event: {problem}") from None
    except msgspec.DecodeError:
        raise Malformed("The body must be one JSON billing event.") from None
    except ValueError as problem:
        raise Malformed(str(problem)) from None


__all__ = ["BillingSettings", "InvalidSignature", "Malformed", "NotConfigured", "receive"]
