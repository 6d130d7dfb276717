"""Access tokens: ES256 JWTs signed by the current key, verified by it or by older keys (rotation)."""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import msgspec
from joserfc import jwk, jwt
from joserfc.errors import JoseError

from shared.auth.settings import AuthSettings

ALGORITHM = "ES256"
ALLOWED_ALGORITHMS = [ALGORITHM]  # never "none", never HS* (a public key must not become an HMAC secret)
TOKEN_TYPE = "at+jwt"  # RFC 9068: tells an access token apart from any other JWT we might sign


class InvalidToken(Exception):
    """The token is malformed, forged, expired or meant for someone else; the reason stays internal."""


class AccessClaims(msgspec.Struct, frozen=True):
    sub: str
    tid: str
    role: str
    perms: list[str]
    jti: str
    sid: str  # the refresh-token family (session) this token belongs to
    subscription: str  # the tenant's subscription status when the token was issued
    iat: int
    exp: int
    iss: str
    aud: str


@dataclass(frozen=True)
class KeyRing:
    signing_key: jwk.ECKey
    verify_keys: jwk.KeySet  # the signing key plus every older verify-only key

    def public_jwks(self) -> dict[str, Any]:
        return self.verify_keys.as_dict(private=False)


def _import_ec_key(material: str | dict[str, Any]) -> jwk.ECKey:
    key = jwk.import_key(material, "EC")
    if key.curve_name != "P-256":
        raise ValueError("auth keys must be EC P-256 (ES256)")
    kid = (material.get("kid") if isinstance(material, dict) else None) or key.thumbprint()
    return jwk.ECKey.import_key(key.as_dict(private=key.is_private),
                                parameters={"kid": kid, "use": "sig", "alg": ALGORITHM})


def _parse_keys(text: str) -> list[jwk.ECKey]:
    text = text.strip()
    if not text:
        return []
    if text.startswith("{"):
        data = json.loads(text)
        return [_import_ec_key(k) for k in data.get("keys", [data])]
    blocks = [b for b in text.split("-----END") if "-----BEGIN" in b]
    return [_import_ec_key(b + "-----END" + b.split("-----BEGIN", 1)[1].split("-----", 1)[0] + "-----")
            for b in blocks]


@lru_cache(maxsize=4)
def _build_ring(signing_key: str, verify_keys: str) -> KeyRing:
    signing = _parse_keys(signing_key)
    if len(signing) != 1 or not signing[0].is_private:
        raise ValueError("AUTH_SIGNING_KEY must hold exactly one EC P-256 private key")
    public = [jwk.ECKey.import_key(signing[0].as_dict(private=False))]
    public += [jwk.ECKey.import_key(k.as_dict(private=False)) for k in _parse_keys(verify_keys)
               if k.kid != signing[0].kid]
    return KeyRing(signing[0], jwk.KeySet(public))


@lru_cache(maxsize=4)
def _verification_keys(public_keys: str, signing_key: str, verify_keys: str) -> jwk.KeySet:
    if public_keys.strip():
        keys = _parse_keys(public_keys)
        if not keys or any(k.is_private for k in keys):
            raise ValueError("AUTH_PUBLIC_KEYS must hold public keys only")
        return jwk.KeySet(keys)
    return _build_ring(signing_key, verify_keys).verify_keys


def key_ring(settings: AuthSettings) -> KeyRing:
    # Cached by the key text itself, so a rotated secret file takes effect on the next load.
    return _build_ring(settings.signing_key, settings.verify_keys)


def generate_signing_key_pem() -> str:
    return jwk.ECKey.generate_key("P-256", private=True).as_pem(private=True).decode()


def issue_access_token(settings: AuthSettings, *, user_id: str, tenant_id: str, role: str,
                       permissions: tuple[str, ...], session_id: str, subscription: str,
                       now: int | None = None) -> tuple[str, AccessClaims]:
    issued_at = int(time.time()) if now is None else now
    claims = AccessClaims(
        sub=user_id, tid=tenant_id, role=role, perms=list(permissions), jti=secrets.token_urlsafe(16),
        sid=session_id, subscription=subscription, iat=issued_at,
        exp=issued_at + settings.access_ttl_seconds, iss=settings.issuer, aud=settings.audience,
    )
    ring = key_ring(settings)
    header = {"alg": ALGORITHM, "kid": ring.signing_key.kid, "typ": TOKEN_TYPE}
    token = jwt.encode(header, msgspec.to_builtins(claims), ring.signing_key, algorithms=ALLOWED_ALGORITHMS)
    return token, claims


def _claims_registry(settings: AuthSettings, now: int | None) -> jwt.JWTClaimsRegistry:
    essential = {"essential": True}
    return jwt.JWTClaimsRegistry(
        now=now, leeway=30,
        iss={"essential": True, "value": settings.issuer},
        aud={"essential": True, "value": settings.audience},
        exp=essential, iat=essential, sub=essential, jti=essential,
    )


def verify_access_token(settings: AuthSettings, token: str, *, now: int | None = None) -> AccessClaims:
    try:
        keys = _verification_keys(settings.public_keys, settings.signing_key, settings.verify_keys)
        decoded = jwt.decode(token, keys, algorithms=ALLOWED_ALGORITHMS)
        if decoded.header.get("typ") != TOKEN_TYPE:
            raise InvalidToken("not an access token")
        _claims_registry(settings, now).validate(decoded.claims)
        return msgspec.convert(decoded.claims, AccessClaims)
    except InvalidToken:
        raise
    except (JoseError, msgspec.ValidationError, ValueError, TypeError, KeyError) as exc:
        raise InvalidToken(type(exc).__name__) from None
