"""Access tokens are verified strictly: signature and key id, algorithm, type, expiry, issuer, audience."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import msgspec
import pytest
from joserfc import jwk, jwt

from shared.auth.settings import AuthSettings
from shared.auth.tokens import (
    InvalidToken,
    generate_signing_key_pem,
    issue_access_token,
    key_ring,
    verify_access_token,
)

OLD_KEY, NEW_KEY = generate_signing_key_pem(), generate_signing_key_pem()


def settings(**overrides) -> AuthSettings:
    return AuthSettings(**{"signing_key": OLD_KEY, **overrides})


def token(s: AuthSettings, **kwargs) -> str:
    args = {"user_id": "3f1c2f8e-4f4e-4c4b-9a39-0c7c1c7d8a11", "tenant_id": "0b1e5d7a-1111-4222-8333-944455556666",
            "role": "member", "permissions": ("read", "write"), "session_id": "s1", "subscription": "active"}
    return issue_access_token(s, **{**args, **kwargs})[0]


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_valid_token_round_trips():
    claims = verify_access_token(settings(), token(settings()))
    assert (claims.role, claims.perms, claims.iss, claims.aud) == ("member", ["read", "write"], "bokai-auth", "bokai")
    assert claims.exp - claims.iat == 900


def test_rotation_old_key_verifies_until_removed():
    old_token = token(settings())
    rotated = settings(signing_key=NEW_KEY, verify_keys=OLD_KEY)
    assert verify_access_token(rotated, old_token).sub
    assert verify_access_token(rotated, token(rotated)).sub
    new_header = json.loads(base64.urlsafe_b64decode(token(rotated).split(".")[0] + "=="))
    assert new_header == {"alg": "ES256", "kid": jwk.import_key(NEW_KEY, "EC").thumbprint(), "typ": "at+jwt"}
    with pytest.raises(InvalidToken):
        verify_access_token(settings(signing_key=NEW_KEY), old_token)


@pytest.mark.parametrize("make_bad", [
    pytest.param(lambda s: token(s, now=1_000_000), id="expired"),
    pytest.param(lambda s: token(settings(audience="another-app")), id="wrong-audience"),
    pytest.param(lambda s: token(settings(issuer="someone-else")), id="wrong-issuer"),
    pytest.param(lambda s: b64({"alg": "none", "typ": "at+jwt"}) + "." + token(s).split(".")[1] + ".", id="alg-none"),
    pytest.param(lambda s: ".".join(token(s).split(".")[:2] + [token(settings(signing_key=NEW_KEY)).split(".")[2]]),
                 id="foreign-signature"),
    pytest.param(lambda s: token(s)[:-4] + "AAAA", id="tampered-signature"),
    pytest.param(lambda s: "not.a.jwt", id="garbage"),
])
def test_bad_tokens_are_rejected(make_bad):
    with pytest.raises(InvalidToken):
        verify_access_token(settings(), make_bad(settings()))


def test_hs256_signed_with_the_public_key_is_rejected():
    # The classic key-confusion forgery, built by hand because joserfc refuses to make it.
    public_pem = jwk.import_key(OLD_KEY, "EC").as_pem(private=False)
    claims = msgspec.to_builtins(verify_access_token(settings(), token(settings())))
    signing_input = b64({"alg": "HS256", "typ": "at+jwt"}) + "." + b64(claims)
    signature = hmac.new(public_pem, signing_input.encode(), hashlib.sha256).digest()
    forged = signing_input + "." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()
    with pytest.raises(InvalidToken):
        verify_access_token(settings(), forged)


def test_a_token_of_another_type_is_rejected():
    key = jwk.import_key(OLD_KEY, "EC")
    claims = msgspec.to_builtins(verify_access_token(settings(), token(settings())))
    other = jwt.encode({"alg": "ES256", "kid": key.thumbprint()}, claims, key, algorithms=["ES256"])
    with pytest.raises(InvalidToken):
        verify_access_token(settings(), other)


def test_functions_other_than_auth_verify_with_public_keys_only():
    signer = settings()
    issued = token(signer)
    public_jwks = json.dumps(key_ring(signer).public_jwks())
    verifier = AuthSettings(public_keys=public_jwks)  # no signing key at all
    assert verify_access_token(verifier, issued).sub == "3f1c2f8e-4f4e-4c4b-9a39-0c7c1c7d8a11"
    with pytest.raises(ValueError, match="AUTH_SIGNING_KEY"):
        issue_access_token(verifier, user_id="u", tenant_id="t", role="member", permissions=("read",),
                           session_id="s", subscription="active")
    with pytest.raises(InvalidToken):
        verify_access_token(AuthSettings(public_keys=json.dumps(
            key_ring(settings(signing_key=NEW_KEY)).public_jwks())), issued)


def test_private_keys_are_refused_as_public_keys():
    with pytest.raises(InvalidToken):
        verify_access_token(AuthSettings(public_keys=OLD_KEY), token(settings()))
