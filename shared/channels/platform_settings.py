"""Marketplace app settings (client ids/secrets, base URLs): light, so every function that may need
them imports them without the HTTP clients."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import Settings


class AllegroSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "ALLEGRO_"
    api_url: str = "https://api.allegro.pl"
    auth_url: str = "https://allegro.pl/auth/oauth"
    # One Client ID for all sellers: secrets allegro-client-id / allegro-client-secret.
    client_id: str = ""
    client_secret: str = ""


class OlxSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "OLX_"
    api_url: str = "https://www.olx.pl/api/partner"
    authorize_url: str = "https://www.olx.pl/oauth/authorize/"
    token_url: str = "https://www.olx.pl/api/open/oauth/token"
    # OLX requires an HTTPS redirect URI registered with the app: ours is /function/channels/olx/callback.
    redirect_uri: str = ""
    client_id: str = ""
    client_secret: str = ""
    scope: str = "v2 read write"
