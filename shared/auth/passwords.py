"""Password policy and argon2id hashing; unknown emails are verified against a dummy hash."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256

# A small list of passwords long enough to pass the length rule that attackers try first.
COMMON_PASSWORDS = frozenset({
    "1234567890", "12345678910", "0123456789", "1111111111", "0000000000", "123456789a",
    "password12", "password123", "password1234", "passw0rd123", "qwertyuiop", "qwerty1234",
    "qwerty12345", "1q2w3e4r5t", "1qaz2wsx3edc", "zaq12wsxcde", "zaq1@wsx3edc", "asdfghjkl1",
    "iloveyou12", "admin12345", "administrator", "welcome123", "letmein123", "haslo12345",
    "haslo123456", "polska1234", "polska12345", "kochamcie1", "zaq1zaq1zaq1", "abcdefghij",
    "abc1234567", "monkey1234", "dragon1234", "football12", "baseball12", "superman12",
})

_hasher = PasswordHasher()  # argon2id with the library's maintained (RFC 9106 low-memory) defaults
_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


def password_problem(password: str) -> str | None:
    """A message a person can act on, or None when the password is acceptable."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"Password must have at least {MIN_PASSWORD_LENGTH} characters."
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"Password must have at most {MAX_PASSWORD_LENGTH} characters."
    if password.lower() in COMMON_PASSWORDS:
        return "This password is too common; choose a less guessable one."
    return None


async def hash_password(password: str) -> str:
    # argon2 is deliberately slow: keep it off the event loop.
    return await asyncio.to_thread(_hasher.hash, password)


def _verify(stored_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


async def verify_password(stored_hash: str | None, password: str) -> bool:
    """False for a wrong password or no such user; both cost one argon2 verification."""
    return await asyncio.to_thread(_verify, stored_hash, password)


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return True
