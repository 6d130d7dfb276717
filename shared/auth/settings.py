"""Auth settings: the signing key comes from the secret `auth-signing-key` (or env AUTH_SIGNING_KEY)."""

from __future__ import annotations

from typing import ClassVar, Literal

from shared.settings import Settings, load


class AuthSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "AUTH_"
    # PEM of an EC P-256 private key (or a private JWK as JSON). It signs every new token; only the
    # auth function gets it.
    signing_key: str = ""
    # Every other function verifies with public keys only: the JWK Set the auth function publishes
    # at /.well-known/jwks.json (secret `auth-public-keys`). Empty: derive them from the keys above.
    public_keys: str = ""
    # Older keys that only verify (PEM blocks or a JWK Set as JSON): keep a rotated-out key here
    # until the last refresh-issued access token it signed has expired.
    verify_keys: str = ""
    issuer: str = "bokai-auth"
    audience: str = "bokai"
    access_ttl_seconds: int = 15 * 60
    refresh_ttl_seconds: int = 30 * 24 * 3600
    invite_ttl_seconds: int = 7 * 24 * 3600
    # Sign-in throttling (shared/auth/throttle.py): a lockout per (email, address), never per email
    # alone, so nobody can lock an owner out by knowing their email; per account only a back-off.
    login_max_failures_per_email_and_address: int = 5
    login_max_failures_per_ip: int = 50
    login_failure_window_seconds: int = 15 * 60
    login_free_failures_per_email: int = 20
    login_backoff_max_seconds: int = 60
    # A known device (its device cookie, shared/auth/devices.py) is throttled only by its own failures.
    login_max_failures_per_device: int = 10
    register_max_per_ip: int = 10
    register_window_seconds: int = 3600
    # Webhook calls that fail, per channel (shared/inbox/throttle.py) and for the billing secret: past
    # the limit a disconnected channel's calls are refused unread and wrong credentials answer 429;
    # a correct credential is always accepted.
    webhook_max_failures_per_channel: int = 30
    webhook_failure_window_seconds: int = 10 * 60
    # The former per-address counter (webhook_failure_throttle); no route uses it any more.
    webhook_max_failures_per_ip: int = 30
    # How many proxies in front of the function append to X-Forwarded-For (OpenFaaS gateway: 1).
    # 0 trusts no header, so a client cannot spoof its address past the per-address throttle.
    trusted_proxy_hops: int = 0
    # Browser frontends may ask for the refresh token in an httpOnly Secure cookie instead of the JSON
    # body ("refreshTokenDelivery": "cookie" at sign-in; shared/auth/cookies.py). Off: body only.
    refresh_cookie: bool = False
    refresh_cookie_name: str = "bokai_refresh"
    # Where the browser sees the auth function (the gateway's path): the refresh and device cookies go
    # there only.
    refresh_cookie_path: str = "/function/auth"
    refresh_cookie_domain: str = ""
    # "strict" when the frontend and the gateway share a site; "none" for a frontend on another site.
    refresh_cookie_samesite: Literal["strict", "lax", "none"] = "strict"
    # Device cookies (shared/auth/devices.py): set on every successful sign-in, named <name>_<account hash>.
    device_cookie_name: str = "bokai_device"
    device_cookie_ttl_seconds: int = 180 * 24 * 3600


def auth_settings() -> AuthSettings:
    return load(AuthSettings)
