"""Allegro OAuth2: the device flow to connect (no redirect URL needed) and single-use refresh tokens."""

from __future__ import annotations

from dataclasses import dataclass

import httpx2
import msgspec
from authlib.integrations.httpx_client import OAuthError

from shared.channels.platform_settings import AllegroSettings
from shared.channels.errors import ConnectionDead, PlatformUnavailable
from shared.channels.oauth import oauth_client, refresh_token, token_call
from shared.settings import load

DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"


class DeviceAuthorization(msgspec.Struct, kw_only=True):
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str | None = None
    expires_in: int = 3600
    interval: int = 5


@dataclass(frozen=True, slots=True)
class DevicePoll:
    # pending | slow_down | denied | expired | connected
    status: str
    token: dict | None = None


def _settings() -> AllegroSettings:
    return load(AllegroSettings)


def _client(settings: AllegroSettings):
    return oauth_client(settings.client_id, settings.client_secret)


async def start_device_flow() -> DeviceAuthorization:
    settings = _settings()
    async with _client(settings) as client:
        try:
            response = await client.post(f"{settings.auth_url}/device", data={"client_id": settings.client_id},
                                         auth=httpx2.BasicAuth(settings.client_id, settings.client_secret))
        except httpx2.HTTPError as error:
            raise PlatformUnavailable(f"Allegro could not be reached ({type(error).__name__})") from None
    if response.status_code != 200:
        raise PlatformUnavailable(f"Allegro refused to start the connection (HTTP {response.status_code})")
    try:
        return msgspec.json.decode(response.content, type=DeviceAuthorization)
    except (msgspec.DecodeError, msgspec.ValidationError):
        raise PlatformUnavailable("Allegro sent an unexpected answer") from None


async def poll_device_token(device_code: str) -> DevicePoll:
    """One look at the token endpoint; the caller honours ``interval`` and ``slow_down``."""
    settings = _settings()
    async with _client(settings) as client:
        try:
            token = await token_call("Allegro", lambda: client.fetch_token(
                f"{settings.auth_url}/token", grant_type=DEVICE_GRANT, device_code=device_code))
        except OAuthError as error:
            status = {"authorization_pending": "pending", "slow_down": "slow_down",
                      "access_denied": "denied", "expired_token": "expired"}.get(error.error)
            if status is None:
                raise PlatformUnavailable(f"Allegro refused the device token ({error.error})") from None
            return DevicePoll(status)
        except ConnectionDead:  # invalid_grant: the device code is used up or unknown
            return DevicePoll("expired")
    return DevicePoll("connected", token)


async def refresh(refresh: str) -> dict:
    settings = _settings()
    return await refresh_token("Allegro", _client(settings), f"{settings.auth_url}/token", refresh)
