"""What can go wrong talking to a marketplace, in terms the sync and the senders act on."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


# Shown on a reply that was to leave through a channel the seller paused (the channels API's pause).
PAUSED_MESSAGE = ("This channel is paused, so the reply was not sent. Resume the channel in Settings → Channels, "
                  "then send the reply again.")


class PlatformError(Exception):
    """Base class; ``str(error)`` never holds a token or a message body."""


class RateLimited(PlatformError):
    """429 after our own retries: try again later (``retry_after`` seconds when the platform says)."""

    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class PlatformUnavailable(PlatformError):
    """5xx, timeouts, connection errors, or a body we cannot read: transient, nothing was stored."""


class TokenRejected(PlatformError):
    """401 from the API: the access token is expired or revoked; refresh once, then give up."""


class PlatformRejected(PlatformError):
    """A 4xx other than 401/429: retrying the same request will not help. ``user_message`` is shown."""

    def __init__(self, status_code: int, user_message: str) -> None:
        super().__init__(f"HTTP {status_code}: {user_message}")
        self.status_code = status_code
        self.user_message = user_message


class ConnectionDead(PlatformError):
    """The seller must connect the account again (refresh token revoked, password changed, ...).

    The text is stored as channel_accounts.last_error and shown to the seller as is.
    """


class NotConnected(PlatformError):
    """The account is missing, disconnected or already in error: nothing to do with it."""


@contextmanager
def as_delivery_errors(platform: str) -> Iterator[None]:
    """Translate a marketplace client's errors into the delivery contract's (retry or fail)."""
    from shared.channels.senders import PermanentDeliveryError, TransientDeliveryError

    try:
        yield
    except RateLimited as limited:
        raise TransientDeliveryError(str(limited), limited.retry_after) from None
    except PlatformUnavailable as down:
        raise TransientDeliveryError(str(down)) from None
    except (ConnectionDead, NotConnected) as dead:
        raise PermanentDeliveryError(str(dead)) from None
    except PlatformRejected as refused:
        raise PermanentDeliveryError(f"{platform} refused the reply: {refused.user_message}") from None
