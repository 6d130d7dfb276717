"""Throttles that stop attackers without locking the owner out (issue 12): sign-in failures per
(email, address) with a slower per-account back-off, and registrations per address; a device that
signed in before keeps getting in whatever happens elsewhere (issue 22, OWASP device cookies)."""

from __future__ import annotations

import asyncio
from http.cookies import SimpleCookie

import pytest

from tests.auth.conftest import PASSWORD, _address, new_email, register

pytestmark = pytest.mark.integration
WRONG = "Wrong-Password-1"


async def login(client, email: str, password: str, address: str):
    return await client.post("/login", json={"email": email, "password": password},
                             headers={"x-forwarded-for": address})


async def test_an_attacker_knowing_the_email_cannot_lock_the_owner_out(client):
    email = new_email()
    await register(client, email=email)
    attacker = _address()
    for _ in range(12):
        await login(client, email, WRONG, attacker)
    assert (await login(client, email, WRONG, attacker)).status_code == 429
    assert (await login(client, email, PASSWORD, _address())).status_code == 200


async def test_many_addresses_get_a_short_back_off_not_a_lockout(client, monkeypatch):
    monkeypatch.setenv("AUTH_LOGIN_FREE_FAILURES_PER_EMAIL", "3")
    email = new_email()
    await register(client, email=email)
    for _ in range(4):  # a botnet: one guess per address
        assert (await login(client, email, WRONG, _address())).status_code == 401
    slowed = await login(client, email, PASSWORD, _address())
    assert slowed.status_code == 429
    assert "slowed down" in slowed.json()["detail"]
    wait = int(slowed.headers["retry-after"])
    assert 0 < wait <= 60
    # The owner waits seconds, not 15 minutes, and gets in.
    await asyncio.sleep(wait)
    assert (await login(client, email, PASSWORD, _address())).status_code == 200


async def test_back_off_grows_with_further_failures_up_to_its_cap(client, monkeypatch):
    monkeypatch.setenv("AUTH_LOGIN_FREE_FAILURES_PER_EMAIL", "1")
    monkeypatch.setenv("AUTH_LOGIN_BACKOFF_MAX_SECONDS", "4")
    email = new_email()
    await register(client, email=email)
    waits = []
    for _ in range(4):
        response = await login(client, email, WRONG, _address())
        if response.status_code == 429:
            waits.append(int(response.headers["retry-after"]))
            await asyncio.sleep(int(response.headers["retry-after"]))
            assert (await login(client, email, WRONG, _address())).status_code == 401
    assert waits and max(waits) <= 5  # capped (plus the rounding second)


async def test_registrations_are_throttled_per_address(client, monkeypatch):
    monkeypatch.setenv("AUTH_REGISTER_MAX_PER_IP", "2")
    address = _address()

    async def sign_up(at: str):
        return await client.post("/register", json={"email": new_email(), "password": PASSWORD,
                                                    "companyName": "Sklep"}, headers={"x-forwarded-for": at})

    assert (await sign_up(address)).status_code == 201
    assert (await sign_up(address)).status_code == 201
    refused = await sign_up(address)
    assert refused.status_code == 429 and refused.headers["retry-after"]
    assert "new accounts" in refused.json()["detail"]
    assert (await sign_up(_address())).status_code == 201


async def test_calls_without_a_real_client_address_are_not_counted(client, monkeypatch):
    # No trusted proxy: every caller looks like the local watchdog; one counter for all would let a
    # few bad calls block every registration.
    monkeypatch.setenv("AUTH_REGISTER_MAX_PER_IP", "1")
    for _ in range(3):
        response = await client.post("/register", json={"email": new_email(), "password": PASSWORD,
                                                        "companyName": "Sklep"}, headers={"x-forwarded-for": "127.0.0.1"})
        assert response.status_code == 201


# --- device cookies (OWASP): a device that signed in before is not locked out by failures elsewhere ---

def device_cookie(response) -> str:
    """``name=value`` of the device cookie a successful sign-in set, as a browser sends it back."""
    assert response.status_code in (200, 201), response.text
    jar = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    names = [n for n in jar if n.startswith("bokai_device_")]
    assert len(names) <= 1
    for name in names:
        morsel = jar[name]
        assert morsel["httponly"] and morsel["secure"] and int(morsel["max-age"]) > 0
        assert morsel["samesite"].lower() == "strict" and morsel["path"] == "/function/auth"
        return f"{name}={morsel.value}"
    return "bokai_device_none=none"  # what a client without one sends: nothing that counts


async def login_from(client, email: str, password: str, address: str, cookie: str | None = None):
    headers = {"x-forwarded-for": address, **({"Cookie": cookie} if cookie else {})}
    return await client.post("/login", json={"email": email, "password": password}, headers=headers)


async def test_an_attacker_behind_the_owners_address_does_not_lock_out_the_owners_device(client, monkeypatch):
    monkeypatch.setenv("AUTH_LOGIN_FREE_FAILURES_PER_EMAIL", "3")
    email = new_email()
    office = _address()  # one proxy / office NAT for everybody
    await register(client, email=email)
    known = device_cookie(await login_from(client, email, PASSWORD, office))
    for _ in range(6):
        await login_from(client, email, WRONG, office)  # the same address: its lockout
    for _ in range(6):
        await login_from(client, email, WRONG, _address())  # rotating addresses: the account's back-off
    assert (await login_from(client, email, PASSWORD, office)).status_code == 429  # an unknown device waits
    assert (await login_from(client, email, PASSWORD, _address())).status_code == 429
    # The owner's device that signed in before gets in at once, from the same address, again and again.
    for _ in range(3):
        response = await login_from(client, email, PASSWORD, office, known)
        assert response.status_code == 200, response.text


async def test_a_known_device_is_throttled_by_its_own_failures_only(client, monkeypatch):
    monkeypatch.setenv("AUTH_LOGIN_MAX_FAILURES_PER_DEVICE", "3")
    email = new_email()
    signed_up = await client.post("/register", json={"email": email, "password": PASSWORD, "companyName": "Sklep"},
                                  headers={"x-forwarded-for": _address()})
    laptop = device_cookie(signed_up)
    phone = device_cookie(await login_from(client, email, PASSWORD, _address()))
    for _ in range(3):
        assert (await login_from(client, email, WRONG, _address(), laptop)).status_code == 401
    locked = await login_from(client, email, PASSWORD, _address(), laptop)
    assert locked.status_code == 429 and "this device" in locked.json()["detail"] and locked.headers["retry-after"]
    # Another device of the owner, and an unknown one, are not affected by the laptop's failures.
    assert (await login_from(client, email, PASSWORD, _address(), phone)).status_code == 200
    assert (await login_from(client, email, PASSWORD, _address())).status_code == 200


async def test_forged_foreign_or_misused_device_cookies_are_not_trusted(client):
    email, other = new_email(), new_email("other")
    address = _address()
    await register(client, email=email)
    await register(client, email=other)
    known = device_cookie(await login_from(client, email, PASSWORD, _address()))
    name, value = known.split("=", 1)
    others = device_cookie(await login_from(client, other, PASSWORD, _address())).split("=", 1)[1]
    for _ in range(5):
        await login_from(client, email, WRONG, address)
    header, claims, _ = value.split(".")
    for cookie in (f"{name}={header}.{claims}.AAAA", f"{name}={others}", f"{name}=garbage"):
        assert (await login_from(client, email, PASSWORD, address, cookie)).status_code == 429, cookie
    # Nor is a device token any kind of access token.
    assert (await client.get("/me", headers={"Authorization": f"Bearer {value}"})).status_code == 401
