"""Which endpoint URLs a seller may register and we may call: https on the webhook ports, and only public
addresses outside local runs (the one destination check of every seller-given host,
shared.channels.destinations)."""

from __future__ import annotations

from urllib.parse import urlsplit

from shared.channels.destinations import Destination, vet
from shared.channels.hostnames import InvalidHost, ascii_host
from shared.channels.senders import PermanentDeliveryError, TransientDeliveryError
from shared.events.settings import EventWebhookSettings

ALLOWED_PORTS = frozenset({443, 8443})
RULES = ("The webhook URL must be https on port 443 or 8443 and point to a public address (not a private, "
         "loopback or link-local network).")


class UnsafeUrl(Exception):
    """The URL is refused; the message says what is allowed."""


class UnresolvableUrl(Exception):
    """The host name does not resolve right now (checked again before every delivery)."""


async def check_url(url: str, settings: EventWebhookSettings) -> Destination:
    """Where a delivery to ``url`` may connect: the addresses its host resolves to now, checked."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise UnsafeUrl("The webhook URL is not a valid URL. " + RULES) from None
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise UnsafeUrl("The webhook URL is not a valid URL. " + RULES)
    if parts.username is not None or parts.password is not None:
        raise UnsafeUrl("The webhook URL must not contain a user name or password; authenticate deliveries "
                        "by their signature.")
    try:
        ascii_host(parts.hostname)
    except InvalidHost as invalid:
        raise UnsafeUrl(f"The webhook URL's host: {invalid}") from None
    # Local runs: receivers on loopback, plain http, any port.
    local = settings.allow_private_urls
    if not local and (parts.scheme != "https" or port not in ALLOWED_PORTS):
        raise UnsafeUrl(RULES)
    try:
        return await vet(parts.hostname, port, RULES, allow_private=local)
    except PermanentDeliveryError:
        raise UnsafeUrl(RULES) from None
    except TransientDeliveryError:
        raise UnresolvableUrl(f"cannot resolve {parts.hostname}") from None
