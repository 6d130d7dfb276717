"""Event webhook settings (EVENTS_WEBHOOK_*), read per call so operators and tests can change them."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import Settings, load


class EventWebhookSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "EVENTS_WEBHOOK_"
    # Off in production: a seller's endpoint must not reach our own network (SSRF). Local runs and
    # tests, whose receivers listen on loopback, switch it on.
    allow_private_urls: bool = False
    connect_timeout_seconds: float = 5.0
    # Short: a slow receiver holds one worker thread of the events queue for at most this long.
    timeout_seconds: float = 10.0
    # shared.infra.retry_policy: exponential from base (5–10 s, 10–20 s, …) to max (30–60 min), never
    # sooner than the receiver's Retry-After, never later than max; 16 retries span about 4–8.5 h before a
    # delivery is failed and its endpoint marked failing.
    max_retries: int = 16
    backoff_base_ms: int = 5_000
    backoff_max_ms: int = 60 * 60 * 1000
    # Endpoints per seller.
    max_endpoints: int = 10
    # The delivery log keeps finished deliveries this long (trimmed as new events are delivered).
    keep_log_days: int = 30
    # After a secret rotation the old secret signs too for this long, so a receiver can switch over.
    rotation_overlap_seconds: int = 24 * 3600


def event_settings() -> EventWebhookSettings:
    return load(EventWebhookSettings)
