"""Channel credentials are encrypted, bound to their tenant and account, and survive key rotation."""

from __future__ import annotations

import uuid

import pytest

from shared.channels.credentials import CredentialCipher, CredentialsError, new_key_entry

TOKENS = {"accessToken": "eyJ-allegro-access", "refreshToken": "single-use-refresh"}


@pytest.fixture
def ids():
    return uuid.uuid4(), uuid.uuid4()


def test_round_trip_and_no_plaintext_in_ciphertext(ids):
    cipher = CredentialCipher(new_key_entry("k1"))
    blob = cipher.encrypt(*ids, TOKENS)
    assert b"single-use-refresh" not in blob
    assert cipher.decrypt(*ids, blob) == TOKENS
    assert cipher.encrypt(*ids, TOKENS) != blob  # fresh nonce each time


def test_ciphertext_moved_to_another_tenant_or_account_does_not_decrypt(ids):
    tenant, account = ids
    cipher = CredentialCipher(new_key_entry("k1"))
    blob = cipher.encrypt(tenant, account, TOKENS)
    with pytest.raises(CredentialsError):
        cipher.decrypt(uuid.uuid4(), account, blob)
    with pytest.raises(CredentialsError):
        cipher.decrypt(tenant, uuid.uuid4(), blob)


def test_rotation_old_key_still_decrypts_new_key_encrypts(ids):
    old = new_key_entry("2026-01")
    before = CredentialCipher(old).encrypt(*ids, TOKENS)
    rotated = CredentialCipher(f"{new_key_entry('2026-11')},{old}")
    assert rotated.decrypt(*ids, before) == TOKENS
    assert rotated.needs_rotation(before)
    assert not rotated.needs_rotation(rotated.encrypt(*ids, TOKENS))
    with pytest.raises(CredentialsError, match="no longer configured"):
        CredentialCipher(new_key_entry("2027-01")).decrypt(*ids, before)


@pytest.mark.parametrize("blob", [b"", b"\x01", b"\x02abc", b"\x01\x02k1" + b"\x00" * 40])
def test_garbage_is_a_clear_error(ids, blob):
    with pytest.raises(CredentialsError):
        CredentialCipher(new_key_entry("k1")).decrypt(*ids, blob)


@pytest.mark.parametrize("spec", ["", "nokey", "k1:notbase64!!", "k1:" + "QUJD"])
def test_bad_key_configuration_is_refused(spec):
    with pytest.raises(CredentialsError):
        CredentialCipher(spec)
