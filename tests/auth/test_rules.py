"""Pure rules: slugs, password policy, role permissions, client address."""

from __future__ import annotations

import pytest

from shared.auth.passwords import hash_password, needs_rehash, password_problem, verify_password
from shared.auth.permissions import permissions_for
from shared.auth.slugs import slug_candidates, slugify
from shared.auth.throttle import client_ip


@pytest.mark.parametrize(("name", "slug"), [
    ("Sklep Łódź", "sklep-lodz"),
    ("ŻÓŁTA GĘŚ Sp. z o.o.", "zolta-ges-sp-z-o-o"),
    ("  Ćma & Źrebię!!  ", "cma-zrebie"),
    ("!!!", "sklep"),
    ("a" * 200, "a" * 60),
])
def test_slugify_transliterates_polish_letters(name, slug):
    assert slugify(name) == slug


def test_slug_candidates_add_suffixes():
    assert slug_candidates("Sklep Łódź", attempts=3) == ["sklep-lodz", "sklep-lodz-2", "sklep-lodz-3"]


@pytest.mark.parametrize(("password", "ok"), [
    ("short", False), ("qwertyuiop", False), ("Password123", False), ("Zielona-Herbata-42", True),
    ("x" * 257, False),
])
def test_password_policy(password, ok):
    assert (password_problem(password) is None) is ok


async def test_argon2id_hash_and_verify():
    stored = await hash_password("Zielona-Herbata-42")
    assert stored.startswith("$argon2id$") and not needs_rehash(stored)
    assert await verify_password(stored, "Zielona-Herbata-42")
    assert not await verify_password(stored, "zielona-herbata-42")
    assert not await verify_password(None, "Zielona-Herbata-42")
    assert not await verify_password("not-a-hash", "Zielona-Herbata-42")


def test_role_permissions():
    assert permissions_for("owner") == ("read", "write", "delete", "admin", "billing")
    assert permissions_for("admin") == ("read", "write", "delete", "admin")
    assert permissions_for("member") == ("read", "write")
    assert permissions_for("intruder") == ()


def test_client_ip_trusts_only_configured_proxy_hops():
    assert client_ip("10.0.0.1", "1.2.3.4", 0) == "10.0.0.1"
    assert client_ip("10.0.0.1", "6.6.6.6, 1.2.3.4", 1) == "1.2.3.4"
    assert client_ip("10.0.0.1", "1.2.3.4", 2) == "10.0.0.1"
    assert client_ip(None, None, 0) == "unknown"
