"""Where the seller's browser goes back to after a marketplace's consent page (OLX's authorisation code flow).

``CHANNELS_FRONTEND_URL`` (e.g. ``https://app.bok-ai.pl/settings/channels``): the callback answers
``303 See Other`` to it with the outcome in the query — ``channel=olx&status=connected&accountId=<id>``
or ``channel=olx&status=error&reason=denied|expired|unavailable`` — instead of JSON the seller would
see raw. Unset (API clients, tests), the callback answers JSON as before. Only the deployment's URL is
ever a target, so the callback is no open redirect; the reason is a fixed word, never a message.
"""

from __future__ import annotations

from typing import ClassVar, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from shared.settings import Settings, load

Reason = Literal["denied", "expired", "unavailable"]


class FrontendSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "CHANNELS_"
    frontend_url: str = ""


def frontend_url() -> str | None:
    url = load(FrontendSettings).frontend_url.strip()
    return url or None


def outcome_url(base: str, channel: str, *, account_id: str | None = None, reason: Reason | None = None) -> str:
    parts = urlsplit(base)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [("channel", channel)]
    query += [("status", "connected"), ("accountId", account_id)] if reason is None else [("status", "error"),
                                                                                         ("reason", reason)]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))
