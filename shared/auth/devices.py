"""Device cookies (OWASP "Slow Down Online Guessing Attacks with Device Cookies").

A successful sign-in gives the browser or app a signed token naming the account and a random nonce,
in an httpOnly cookie of that account's own name. At the next sign-in a valid token for the email
being tried makes the client a *known device*: its attempts are throttled only by its own failures
(shared/auth/throttle.py), so failures from anywhere else — rotating addresses, or the same proxy or
office NAT as the owner — never lock that device out. Without one, the client is untrusted and meets
the per-account throttles.

The token is an ES256 JWT signed with the same key ring as access tokens (joserfc), so keys rotate
together; its ``typ`` and audience differ, so it is never accepted as an access token, nor an access
token as a device token. It names the account by a hash of the email: checked before any database
lookup, and no address sits in the cookie.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass

from joserfc import jwt
from joserfc.errors import JoseError

from shared.auth.settings import AuthSettings
from shared.auth.tokens import ALGORITHM, ALLOWED_ALGORITHMS, key_ring

TOKEN_TYPE = "device+jwt"
AUDIENCE = "bokai-auth-device"


@dataclass(frozen=True, slots=True)
class DeviceCookie:
    name: str
    value: str


def _account(email: str) -> str:
    return hashlib.sha256(f"device:{email.strip().lower()}".encode()).hexdigest()


def cookie_name(settings: AuthSettings, email: str) -> str:
    # One cookie per account: a shared computer stays a known device for each person who signed in on it.
    return f"{settings.device_cookie_name}_{_account(email)[:16]}"


def issue(settings: AuthSettings, email: str, *, now: int | None = None) -> DeviceCookie:
    issued_at = int(time.time()) if now is None else now
    ring = key_ring(settings)
    claims = {"sub": _account(email), "jti": secrets.token_urlsafe(16), "iat": issued_at,
              "exp": issued_at + settings.device_cookie_ttl_seconds, "iss": settings.issuer, "aud": AUDIENCE}
    header = {"alg": ALGORITHM, "kid": ring.signing_key.kid, "typ": TOKEN_TYPE}
    return DeviceCookie(cookie_name(settings, email),
                        jwt.encode(header, claims, ring.signing_key, algorithms=ALLOWED_ALGORITHMS))


def known_device(settings: AuthSettings, email: str, cookies: Mapping[str, str], *,
                 now: int | None = None) -> str | None:
    """The nonce of a valid device token for this email among ``cookies``, or None (an untrusted client).

    Forged, expired, another account's or garbled tokens all just make the client untrusted.
    """
    token = cookies.get(cookie_name(settings, email))
    if not token or len(token) > 2048:
        return None
    try:
        decoded = jwt.decode(token, key_ring(settings).verify_keys, algorithms=ALLOWED_ALGORITHMS)
        if decoded.header.get("typ") != TOKEN_TYPE:
            return None
        jwt.JWTClaimsRegistry(
            now=now, leeway=30, iss={"essential": True, "value": settings.issuer},
            aud={"essential": True, "value": AUDIENCE}, sub={"essential": True, "value": _account(email)},
            exp={"essential": True}, jti={"essential": True},
        ).validate(decoded.claims)
    except (JoseError, ValueError, TypeError, KeyError):
        return None
    nonce = decoded.claims["jti"]
    return nonce if isinstance(nonce, str) and nonce else None
