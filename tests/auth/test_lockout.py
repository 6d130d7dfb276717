"""Throttles that stop attackers without locking the owner out (issue 12): sign-in failures per
(email, address) with a slower per-account back-off, and registrations per address."""

from __future__ import annotations

import asyncio

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
