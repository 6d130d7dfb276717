"""Channel credentials (OAuth tokens, SMTP passwords, webhook secrets) encrypted at rest.

AES-256-GCM from `cryptography`. The associated data binds each ciphertext to its tenant and
channel account, so a ciphertext copied into another row (or another seller's) fails to decrypt.
Keys rotate: the first key of ``CREDENTIALS_KEYS`` encrypts, every listed key still decrypts.
"""

from __future__ import annotations

import base64
import os
from typing import ClassVar
from uuid import UUID

import msgspec
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from shared.settings import Settings, load
from shared.tenancy.ids import parse_tenant_id

_FORMAT_VERSION = b"\x01"
_NONCE_BYTES = 12


class CredentialsSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "CREDENTIALS_"
    # "kid1:<base64 32 bytes>,kid2:<base64 32 bytes>" — secret `credentials-keys` in OpenFaaS.
    keys: str


class CredentialsError(Exception):
    """Raised without any detail of the key or plaintext."""


def _parse_keys(spec: str) -> dict[str, bytes]:
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in spec.split(","))):
        kid, sep, encoded = item.partition(":")
        try:
            key = base64.b64decode(encoded, validate=True)
        except ValueError:
            key = b""
        if not sep or not kid or len(kid) > 32 or len(key) != 32:
            raise CredentialsError("CREDENTIALS_KEYS must be 'kid:<base64 of 32 bytes>' entries")
        keys[kid] = key
    if not keys:
        raise CredentialsError("CREDENTIALS_KEYS is empty")
    return keys


def new_key_entry(kid: str) -> str:
    """A fresh 'kid:key' entry for CREDENTIALS_KEYS (used by scripts and operators)."""
    return f"{kid}:{base64.b64encode(AESGCM.generate_key(bit_length=256)).decode()}"


class CredentialCipher:
    def __init__(self, keys_spec: str | None = None) -> None:
        self._keys = _parse_keys(keys_spec if keys_spec is not None else load(CredentialsSettings).keys)
        self._active_kid = next(iter(self._keys))

    @staticmethod
    def _context(tenant_id: UUID | str, account_id: UUID | str) -> bytes:
        return f"bokai-credentials:{parse_tenant_id(tenant_id)}:{parse_tenant_id(account_id)}".encode()

    def encrypt(self, tenant_id: UUID | str, account_id: UUID | str, credentials: dict) -> bytes:
        nonce = os.urandom(_NONCE_BYTES)
        kid = self._active_kid.encode()
        sealed = AESGCM(self._keys[self._active_kid]).encrypt(
            nonce, msgspec.json.encode(credentials), self._context(tenant_id, account_id)
        )
        return _FORMAT_VERSION + bytes([len(kid)]) + kid + nonce + sealed

    def decrypt(self, tenant_id: UUID | str, account_id: UUID | str, blob: bytes) -> dict:
        try:
            if blob[:1] != _FORMAT_VERSION:
                raise CredentialsError("unknown credentials format")
            kid_length = blob[1]
            kid = blob[2:2 + kid_length].decode()
            nonce = blob[2 + kid_length:2 + kid_length + _NONCE_BYTES]
            sealed = blob[2 + kid_length + _NONCE_BYTES:]
            key = self._keys.get(kid)
            if key is None:
                raise CredentialsError("credentials were encrypted with a key that is no longer configured")
            plaintext = AESGCM(key).decrypt(nonce, sealed, self._context(tenant_id, account_id))
        except (IndexError, UnicodeDecodeError, InvalidTag):
            raise CredentialsError("credentials cannot be decrypted for this account") from None
        return msgspec.json.decode(plaintext)

    def needs_rotation(self, blob: bytes) -> bool:
        """True when ``blob`` was sealed with an older key: re-encrypt it on the next write."""
        kid_length = blob[1] if len(blob) > 1 else 0
        return blob[2:2 + kid_length].decode(errors="replace") != self._active_kid
