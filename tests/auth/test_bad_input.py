"""Bad input gets a clear 4xx, never a 500, and never tells whether an account exists."""

from __future__ import annotations

import time

import pytest

from tests.auth.conftest import PASSWORD, new_email, register

pytestmark = pytest.mark.integration


@pytest.mark.parametrize(("body", "field", "words"), [
    ({"email": "not-an-email", "password": PASSWORD, "companyName": "X"}, "email", "valid email"),
    ({"email": "a@b.pl", "password": "short", "companyName": "X"}, "password", "at least 10"),
    ({"email": "a@b.pl", "password": "Password123", "companyName": "X"}, "password", "too common"),
    ({"email": "a@b.pl", "password": PASSWORD, "companyName": "   "}, "companyName", "company name"),
])
async def test_register_rejects_invalid_fields(client, body, field, words):
    response = await client.post("/register", json=body)
    assert response.status_code == 400
    assert words in response.json()["detail"]
    assert response.json()["errors"][0]["key"] == field


async def test_missing_field_and_malformed_json_are_400(client):
    missing = await client.post("/register", json={"email": "a@b.pl"})
    assert missing.status_code == 400 and missing.json()["detail"]
    malformed = await client.post("/login", content=b'{"email": ', headers={"content-type": "application/json"})
    assert malformed.status_code == 400 and malformed.json()["detail"]


async def test_duplicate_email_is_409_whatever_the_case(client):
    email = new_email()
    await register(client, email=email)
    again = await client.post("/register", json={"email": email.upper(), "password": PASSWORD, "companyName": "Y"})
    assert again.status_code == 409
    assert again.json() == {"detail": "An account with this email already exists. "
                                      "Sign in instead, or ask to be invited."}


async def test_wrong_password_and_unknown_email_look_the_same(client):
    email = new_email()
    await register(client, email=email)
    started = time.perf_counter()
    wrong = await client.post("/login", json={"email": email, "password": "Wrong-Password-1"})
    wrong_time = time.perf_counter() - started
    started = time.perf_counter()
    unknown = await client.post("/login", json={"email": new_email("nobody"), "password": "Wrong-Password-1"})
    unknown_time = time.perf_counter() - started
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json() == unknown.json() == {"detail": "Email or password is incorrect."}
    # Both paths run one argon2 verification; allow generous noise on a shared CI machine.
    assert unknown_time > wrong_time / 4


async def test_login_is_throttled_per_email_and_address_with_retry_after(client):
    email = new_email()
    await register(client, email=email)
    for _ in range(5):
        assert (await client.post("/login", json={"email": email, "password": "Wrong-Password-1"})).status_code == 401
    # From this address even the right password is refused now...
    blocked = await client.post("/login", json={"email": email, "password": PASSWORD})
    assert blocked.status_code == 429
    assert 0 < int(blocked.headers["retry-after"]) <= 900
    assert "Too many sign-in attempts" in blocked.json()["detail"]
    # ...but the owner signing in from their own address is not locked out by it (issue 12).
    client.headers["x-forwarded-for"] = "10.250.250.250"
    assert (await client.post("/login", json={"email": email, "password": PASSWORD})).status_code == 200


async def test_login_is_throttled_per_client_address(client, monkeypatch):
    monkeypatch.setenv("AUTH_LOGIN_MAX_FAILURES_PER_IP", "3")
    for _ in range(3):
        await client.post("/login", json={"email": new_email("spray"), "password": "Wrong-Password-1"})
    blocked = await client.post("/login", json={"email": new_email("spray"), "password": "Wrong-Password-1"})
    assert blocked.status_code == 429 and blocked.headers["retry-after"]


async def test_unknown_routes_and_ids_are_4xx(client):
    assert (await client.patch("/members/not-a-uuid", json={"role": "admin"})).status_code in (400, 404)
    assert (await client.get("/me")).status_code == 401
    assert (await client.get("/me", headers={"Authorization": "Basic abc"})).status_code == 401
