"""Register → login → refresh → reuse detection → logout, against real Postgres and Redis."""

from __future__ import annotations

import pytest

from tests.auth.conftest import PASSWORD, bearer, new_email, register

pytestmark = pytest.mark.integration


async def test_register_creates_owner_workspace_with_transliterated_slug(client):
    tokens = await register(client, company="Sklep Źdźbło Łąka")
    assert tokens["tokenType"] == "Bearer" and tokens["expiresIn"] == 900
    assert tokens["tenant"]["role"] == "owner"
    assert tokens["tenant"]["slug"].startswith("sklep-zdzblo-laka")
    me = (await client.get("/me", headers=bearer(tokens))).json()
    assert me["permissions"] == ["admin", "billing", "delete", "read", "write"]
    assert me["tenant"]["id"] == tokens["tenant"]["id"]


async def test_same_company_name_gets_a_suffixed_slug(client):
    name = f"Hurtownia Ćma {new_email()[:6]}"
    first, second = await register(client, company=name), await register(client, company=name)
    assert second["tenant"]["slug"] == first["tenant"]["slug"] + "-2"


async def test_full_session_lifecycle(client):
    email = new_email()
    await register(client, email=email)
    login = await client.post("/login", json={"email": email.upper(), "password": PASSWORD})
    assert login.status_code == 200, login.text
    first = login.json()
    assert (await client.get("/me", headers=bearer(first))).json()["user"]["email"] == email

    rotated = await client.post("/refresh", json={"refreshToken": first["refreshToken"]})
    assert rotated.status_code == 200, rotated.text
    second = rotated.json()
    assert second["refreshToken"] != first["refreshToken"]
    assert (await client.get("/me", headers=bearer(second))).status_code == 200

    # The spent token comes back (stolen copy): the whole family ends, including the newest tokens.
    reuse = await client.post("/refresh", json={"refreshToken": first["refreshToken"]})
    assert reuse.status_code == 401 and "used twice" in reuse.json()["detail"]
    assert (await client.post("/refresh", json={"refreshToken": second["refreshToken"]})).status_code == 401
    assert (await client.get("/me", headers=bearer(second))).status_code == 401

    fresh = (await client.post("/login", json={"email": email, "password": PASSWORD})).json()
    assert (await client.post("/logout", headers=bearer(fresh))).status_code == 204
    assert (await client.get("/me", headers=bearer(fresh))).status_code == 401
    assert (await client.post("/refresh", json={"refreshToken": fresh["refreshToken"]})).status_code == 401


async def test_unknown_refresh_token_is_401(client):
    response = await client.post("/refresh", json={"refreshToken": "not-a-token"})
    assert response.status_code == 401 and response.json()["detail"]


async def test_login_picks_first_joined_tenant_and_switches(client):
    owner_b = await register(client, company="Drugi Sklep")
    email = new_email("multi")
    first = await register(client, email=email, company="Pierwszy Sklep")
    invite = await client.post("/members/invites", headers=bearer(owner_b), json={"email": email, "role": "member"})
    accepted = await client.post("/invites/accept", json={"token": invite.json()["inviteToken"], "password": PASSWORD})
    assert accepted.status_code == 200, accepted.text

    login = (await client.post("/login", json={"email": email, "password": PASSWORD})).json()
    assert login["tenant"]["id"] == first["tenant"]["id"]
    chosen = (await client.post("/login", json={"email": email, "password": PASSWORD,
                                                "tenantId": owner_b["tenant"]["id"]})).json()
    assert chosen["tenant"] == {**owner_b["tenant"], "role": "member"}

    switched = await client.post("/switch-tenant", headers=bearer(login), json={"tenantId": owner_b["tenant"]["id"]})
    assert switched.status_code == 200, switched.text
    me = (await client.get("/me", headers=bearer(switched.json()))).json()
    assert me["tenant"]["id"] == owner_b["tenant"]["id"] and me["role"] == "member"
    assert {t["id"] for t in me["tenants"]} == {first["tenant"]["id"], owner_b["tenant"]["id"]}
    # Switching ends the previous session.
    assert (await client.get("/me", headers=bearer(login))).status_code == 401


async def test_jwks_and_openapi_are_published(client):
    keys = (await client.get("/.well-known/jwks.json")).json()["keys"]
    assert keys and all(k["kty"] == "EC" and k["alg"] == "ES256" and k["kid"] and "d" not in k for k in keys)
    schema = await client.get("/schema/openapi.json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert {"/register", "/login", "/refresh", "/logout", "/me", "/members", "/members/invites"} <= set(paths)
    register_body = paths["/register"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "companyName" in str(schema.json()["components"]) and register_body
