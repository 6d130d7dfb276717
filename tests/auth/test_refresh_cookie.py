"""Token responses are not cached; with AUTH_REFRESH_COOKIE the refresh token also travels as an httpOnly cookie.

httpx would not send a Secure cookie over http://, so the tests read Set-Cookie and send Cookie by hand,
as a browser does over HTTPS.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from tests.auth.conftest import bearer, register

pytestmark = pytest.mark.integration


def set_cookie(response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


async def test_token_responses_are_never_cached(client):
    tokens = await register(client)
    refreshed = await client.post("/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200
    assert refreshed.headers["cache-control"] == "no-store"
    assert not set_cookie(refreshed), "no cookie unless the deployment asks for it"


async def test_refresh_cookie_is_httponly_secure_samesite_and_rotates(client, monkeypatch):
    monkeypatch.setenv("AUTH_REFRESH_COOKIE", "true")
    response = await client.post("/register", json={"email": "cookie-" + __import__("uuid").uuid4().hex[:8] + "@example.pl",
                                                    "password": "Zielona-Herbata-42", "companyName": "Sklep Ciastko"})
    assert response.status_code == 201 and response.headers["cache-control"] == "no-store"
    cookie = set_cookie(response)["bokai_refresh"]
    assert cookie.value == response.json()["refreshToken"]  # the JSON body keeps it for API clients
    assert cookie["httponly"] and cookie["secure"] and cookie["samesite"].lower() == "strict"
    assert cookie["path"] == "/function/auth" and int(cookie["max-age"]) > 0

    # A browser refreshes with an empty body: the token comes from the cookie, and rotates.
    refreshed = await client.post("/refresh", json={}, headers={"Cookie": f"bokai_refresh={cookie.value}"})
    assert refreshed.status_code == 200, refreshed.text
    rotated = set_cookie(refreshed)["bokai_refresh"].value
    assert rotated == refreshed.json()["refreshToken"] != cookie.value
    # The old cookie is spent (reuse detection ends the session).
    replay = await client.post("/refresh", json={}, headers={"Cookie": f"bokai_refresh={cookie.value}"})
    assert replay.status_code == 401

    fresh = await register(client)
    logout = await client.post("/logout", headers=bearer(fresh))
    assert logout.status_code == 204
    cleared = set_cookie(logout)["bokai_refresh"]
    assert cleared.value == "" and int(cleared["max-age"]) == 0


async def test_without_the_setting_a_cookie_is_ignored_and_a_missing_token_is_a_400(client):
    tokens = await register(client)
    response = await client.post("/refresh", json={}, headers={"Cookie": f"bokai_refresh={tokens['refreshToken']}"})
    assert response.status_code == 400 and "refreshToken" in response.json()["detail"]
