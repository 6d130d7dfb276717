"""OLX OAuth2 authorization code (client credentials in the body) and rotating refresh tokens."""

from __future__ import annotations

from authlib.integrations.httpx_client import OAuthError

from shared.channels.errors import PlatformUnavailable
from shared.channels.oauth import oauth_client, refresh_token, token_call
from shared.channels.platform_settings import OlxSettings
from shared.settings import load


def _client(settings: OlxSettings):
    return oauth_client(settings.client_id, settings.client_secret, auth_method="client_secret_post",
                        scope=settings.scope, redirect_uri=settings.redirect_uri)


def authorize_url(state: str) -> str:
    settings = load(OlxSettings)
    url, _ = _client(settings).create_authorization_url(settings.authorize_url, state=state)
    return url


async def exchange_code(code: str) -> dict:
    settings = load(OlxSettings)
    async with _client(settings) as client:
        try:
            return await token_call("OLX", lambda: client.fetch_token(
                settings.token_url, grant_type="authorization_code", code=code))
        except OAuthError as error:
            raise PlatformUnavailable(f"OLX refused the authorization code ({error.error})") from None


async def refresh(refresh: str) -> dict:
    settings = load(OlxSettings)
    return await refresh_token("OLX", _client(settings), settings.token_url, refresh)
