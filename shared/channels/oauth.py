"""authlib's OAuth2 client with errors mapped to what the connectors act on (dead vs. try later)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import httpx2
from authlib.integrations.httpx_client import AsyncOAuth2Client, OAuthError

from shared.channels.errors import ConnectionDead, PlatformUnavailable

# The grant is gone for good: revoked, expired, already used (single-use refresh tokens) or the
# seller removed the app. Anything else (5xx, timeouts, our own misconfiguration) is retried later.
DEAD_GRANT_ERRORS = {"invalid_grant", "unauthorized_client"}


def oauth_client(client_id: str, client_secret: str, *, auth_method: str = "client_secret_basic",
                 **options: Any) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(client_id=client_id, client_secret=client_secret,
                             token_endpoint_auth_method=auth_method, timeout=20.0, **options)


async def token_call(platform: str, call: Callable[[], Awaitable[dict]]) -> dict:
    """Run one token-endpoint call; ``OAuthError`` other than a dead grant propagates to the caller."""
    try:
        return dict(await call())
    except OAuthError as error:
        if error.error in DEAD_GRANT_ERRORS:
            raise ConnectionDead(f"{platform} refused the grant ({error.error})") from None
        raise
    except (httpx2.HTTPError, ValueError) as error:
        raise PlatformUnavailable(f"{platform} token endpoint failed ({type(error).__name__})") from None


async def refresh_token(platform: str, client: AsyncOAuth2Client, token_url: str, refresh: str) -> dict:
    """A new token pair for ``refresh``; the old refresh token must never be used again afterwards."""
    async with client:
        try:
            return await token_call(platform, lambda: client.refresh_token(token_url, refresh_token=refresh))
        except OAuthError as error:
            raise PlatformUnavailable(f"{platform} token endpoint refused the refresh ({error.error})") from None
