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


class EmagSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "EMAG_"
    # One API per platform (eMAG Marketplace API v4: MARKETPLACE_API_URL/resource/action, HTTP Basic).
    api_url_ro: str = "https://marketplace-api.emag.ro/api-3"
    api_url_bg: str = "https://marketplace-api.emag.bg/api-3"
    api_url_hu: str = "https://marketplace-api.emag.hu/api-3"

    def api_url(self, country: str) -> str:
        return {"ro": self.api_url_ro, "bg": self.api_url_bg, "hu": self.api_url_hu}[country]


class ChannelsPublicSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "CHANNELS_"
    # Where the OpenFaaS gateway is reachable from the internet (https://api.bok-ai.pl): the webhook URLs
    # a seller pastes into eMAG or a mail provider are built on it. Unset: the answers carry the path only.
    public_url: str = ""
