"""Token answers are not cached; the refresh token travels in the JSON body *or* the httpOnly cookie, never both.

A client chooses per session with ``refreshTokenDelivery`` (issue 22: the cookie protected nothing while
the body carried the same token). httpx would not send a Secure cookie over http://, so the tests read
Set-Cookie and send Cookie by hand, as a browser does over HTTPS.
"""

from __future__ import annotations

from http.cookies import SimpleCookie

import pytest

from tests.auth.conftest import PASSWORD, bearer, new_email, register

pytestmark = pytest.mark.integration


def set_cookie(response) -> SimpleCookie:
    jar = SimpleCookie()
    for header in response.headers.get_list("set-cookie"):
        jar.load(header)
    return jar


def refresh_cookie(response) -> str | None:
    jar = set_cookie(response)
    return jar["bokai_refresh"].value if "bokai_refresh" in jar else None


async def sign_up_with_cookie(client) -> tuple[dict, str]:
    response = await client.post("/register", json={"email": new_email("cookie"), "password": PASSWORD,
                                                    "companyName": "Sklep Ciastko", "refreshTokenDelivery": "cookie"})
    assert response.status_code == 201, response.text
    return response.json(), refresh_cookie(response)


async def test_token_responses_are_never_cached(client):
    tokens = await register(client)
    refreshed = await client.post("/refresh", json={"refreshToken": tokens["refreshToken"]})
    assert refreshed.status_code == 200
    assert refreshed.headers["cache-control"] == "no-store"
    assert refresh_cookie(refreshed) is None, "no refresh cookie unless the client asks for it"


async def test_cookie_mode_keeps_the_refresh_token_out_of_every_body(client, monkeypatch):
    monkeypatch.setenv("AUTH_REFRESH_COOKIE", "true")
    tokens, cookie_value = await sign_up_with_cookie(client)
    assert cookie_value and "refreshToken" not in tokens and tokens["accessToken"]
    assert tokens["refreshTokenDelivery"] == "cookie"

    # A browser refreshes with an empty body: the token comes from the cookie, rotates, and stays there.
    refreshed = await client.post("/refresh", json={}, headers={"Cookie": f"bokai_refresh={cookie_value}"})
    assert refreshed.status_code == 200, refreshed.text
    assert "refreshToken" not in refreshed.json() and refreshed.headers["cache-control"] == "no-store"
    jar = set_cookie(refreshed)["bokai_refresh"]
    assert jar["httponly"] and jar["secure"] and jar["samesite"].lower() == "strict"
    assert jar["path"] == "/function/auth" and int(jar["max-age"]) > 0
    assert jar.value != cookie_value
    # The old cookie is spent (reuse detection ends the session).
    replay = await client.post("/refresh", json={}, headers={"Cookie": f"bokai_refresh={cookie_value}"})
    assert replay.status_code == 401

    # Signing in again in cookie mode: no token in the body either.
    email = new_email("cookie-login")
    await register(client, email=email)
    signed_in = await client.post("/login", json={"email": email, "password": PASSWORD,
                                                  "refreshTokenDelivery": "cookie"})
    assert signed_in.status_code == 200 and "refreshToken" not in signed_in.json() and refresh_cookie(signed_in)

    fresh, _ = await sign_up_with_cookie(client)
    logout = await client.post("/logout", headers=bearer(fresh))
    assert logout.status_code == 204
    cleared = set_cookie(logout)["bokai_refresh"]
    assert cleared.value == "" and int(cleared["max-age"]) == 0


async def test_switching_workspace_keeps_a_cookie_session_in_the_cookie(client, monkeypatch):
    # A script holding the access token must not turn it into a refresh token by switching workspace.
    monkeypatch.setenv("AUTH_REFRESH_COOKIE", "true")
    other = await register(client, company="Drugi Sklep")
    tokens, _ = await sign_up_with_cookie(client)
    me = (await client.get("/me", headers=bearer(tokens))).json()
    invite = await client.post("/members/invites", headers=bearer(other), json={"email": me["user"]["email"]})
    accepted = await client.post("/invites/accept", json={"token": invite.json()["inviteToken"], "password": PASSWORD,
                                                          "refreshTokenDelivery": "cookie"})
    assert accepted.status_code == 200 and "refreshToken" not in accepted.json() and refresh_cookie(accepted)
    switched = await client.post("/switch-tenant", headers=bearer(tokens), json={"tenantId": other["tenant"]["id"]})
    assert switched.status_code == 200, switched.text
    assert "refreshToken" not in switched.json() and refresh_cookie(switched)


async def test_body_mode_clients_keep_the_token_in_the_body_and_get_no_refresh_cookie(client, monkeypatch):
    monkeypatch.setenv("AUTH_REFRESH_COOKIE", "true")
    response = await client.post("/register", json={"email": new_email("mobile"), "password": PASSWORD,
                                                    "companyName": "Sklep Aplikacja"})
    assert response.status_code == 201 and response.json()["refreshToken"] and refresh_cookie(response) is None
    assert response.json()["refreshTokenDelivery"] == "body"
    refreshed = await client.post("/refresh", json={"refreshToken": response.json()["refreshToken"]})
    assert refreshed.status_code == 200 and refreshed.json()["refreshToken"] and refresh_cookie(refreshed) is None


async def test_a_token_that_came_in_the_cookie_is_never_answered_in_the_body(client, monkeypatch):
    # Whatever the session started as (e.g. before this rule existed): a script could otherwise make the
    # browser send its cookie to /refresh and read the next token from the answer.
    monkeypatch.setenv("AUTH_REFRESH_COOKIE", "true")
    tokens = await register(client)
    first = await client.post("/refresh", json={}, headers={"Cookie": f"bokai_refresh={tokens['refreshToken']}"})
    assert first.status_code == 200 and "refreshToken" not in first.json()
    second = await client.post("/refresh", json={"refreshToken": "x"}, headers={"Cookie": "bokai_refresh=y"})
    assert second.status_code == 401
    following = await client.post("/refresh", json={}, headers={"Cookie": f"bokai_refresh={refresh_cookie(first)}"})
    assert following.status_code == 200 and "refreshToken" not in following.json() and refresh_cookie(following)


async def test_cookie_mode_needs_the_deployment_setting_and_a_stray_cookie_is_ignored(client):
    refused = await client.post("/register", json={"email": new_email(), "password": PASSWORD,
                                                   "companyName": "Sklep", "refreshTokenDelivery": "cookie"})
    assert refused.status_code == 400 and refused.json()["errors"][0]["key"] == "refreshTokenDelivery"
    tokens = await register(client)
    response = await client.post("/refresh", json={}, headers={"Cookie": f"bokai_refresh={tokens['refreshToken']}"})
    assert response.status_code == 400 and "refreshToken" in response.json()["detail"]
