"""Team management: invites, role changes (effective on the next request), last-owner protection."""

from __future__ import annotations

import pytest

from tests.auth.conftest import PASSWORD, bearer, new_email, register

pytestmark = pytest.mark.integration


async def invite_and_join(client, inviter: dict, role: str = "member", email: str | None = None) -> dict:
    email = email or new_email(role)
    invite = await client.post("/members/invites", headers=bearer(inviter), json={"email": email, "role": role})
    assert invite.status_code == 201, invite.text
    joined = await client.post("/invites/accept", json={"token": invite.json()["inviteToken"], "password": PASSWORD})
    assert joined.status_code == 200, joined.text
    return joined.json()


async def me(client, tokens: dict) -> dict:
    return (await client.get("/me", headers=bearer(tokens))).json()


async def test_invite_accept_and_list(client):
    owner = await register(client)
    member = await invite_and_join(client, owner)
    assert member["tenant"]["id"] == owner["tenant"]["id"] and member["tenant"]["role"] == "member"
    listed = (await client.get("/members", headers=bearer(member))).json()
    assert sorted(m["role"] for m in listed) == ["member", "owner"]
    assert set(listed[0]) == {"userId", "email", "role", "joinedAt"}


async def test_invite_is_single_use_and_existing_account_needs_its_password(client):
    owner = await register(client)
    existing_email = new_email("existing")
    await register(client, email=existing_email, company="Własny Sklep")
    invite = (await client.post("/members/invites", headers=bearer(owner),
                                json={"email": existing_email})).json()
    wrong = await client.post("/invites/accept", json={"token": invite["inviteToken"], "password": "Inne-Haslo-123"})
    assert wrong.status_code == 401
    joined = await client.post("/invites/accept", json={"token": invite["inviteToken"], "password": PASSWORD})
    assert joined.status_code == 200 and joined.json()["tenant"]["id"] == owner["tenant"]["id"]
    again = await client.post("/invites/accept", json={"token": invite["inviteToken"], "password": PASSWORD})
    assert again.status_code == 404 and "invitation" in again.json()["detail"]
    duplicate = await client.post("/members/invites", headers=bearer(owner), json={"email": existing_email})
    assert duplicate.status_code == 409


async def test_member_cannot_do_admin_actions(client):
    owner = await register(client)
    member = await invite_and_join(client, owner)
    owner_id = (await me(client, owner))["user"]["id"]
    for call in (client.post("/members/invites", headers=bearer(member), json={"email": new_email()}),
                 client.patch(f"/members/{owner_id}", headers=bearer(member), json={"role": "member"}),
                 client.delete(f"/members/{owner_id}", headers=bearer(member))):
        response = await call
        assert response.status_code == 403, response.text
        assert "admin" in response.json()["detail"]


async def test_role_change_takes_effect_on_next_token(client):
    owner = await register(client)
    member = await invite_and_join(client, owner)
    member_id = (await me(client, member))["user"]["id"]
    changed = await client.patch(f"/members/{member_id}", headers=bearer(owner), json={"role": "admin"})
    assert changed.status_code == 200 and changed.json()["role"] == "admin"
    # The current token states the old role: it is refused at once, and a refresh brings the new one.
    stale = await client.post("/members/invites", headers=bearer(member), json={"email": new_email()})
    assert stale.status_code == 401 and "role" in stale.json()["detail"]
    refreshed = (await client.post("/refresh", json={"refreshToken": member["refreshToken"]})).json()
    assert refreshed["tenant"]["role"] == "admin"
    assert (await me(client, refreshed))["permissions"] == ["admin", "delete", "read", "write"]
    assert (await client.post("/members/invites", headers=bearer(refreshed), json={"email": new_email()})).status_code == 201


async def test_removed_member_loses_access_at_once(client):
    owner = await register(client)
    member = await invite_and_join(client, owner)
    member_id = (await me(client, member))["user"]["id"]
    assert (await client.delete(f"/members/{member_id}", headers=bearer(owner))).status_code == 204
    # Their current access token stops working now, not when it expires.
    assert (await client.get("/me", headers=bearer(member))).status_code == 401
    refreshed = await client.post("/refresh", json={"refreshToken": member["refreshToken"]})
    assert refreshed.status_code == 401
    assert (await client.get("/me", headers=bearer(owner))).status_code == 200


async def test_last_owner_can_be_neither_demoted_nor_removed(client):
    owner = await register(client)
    owner_id = (await me(client, owner))["user"]["id"]
    demote = await client.patch(f"/members/{owner_id}", headers=bearer(owner), json={"role": "admin"})
    remove = await client.delete(f"/members/{owner_id}", headers=bearer(owner))
    assert demote.status_code == remove.status_code == 409
    assert "at least one owner" in demote.json()["detail"]

    second = await invite_and_join(client, owner, role="owner")
    assert (await client.patch(f"/members/{owner_id}", headers=bearer(second), json={"role": "admin"})).status_code == 200
    second_id = (await me(client, second))["user"]["id"]
    assert (await client.delete(f"/members/{second_id}", headers=bearer(second))).status_code == 409


async def test_admin_cannot_touch_owners_or_grant_ownership(client):
    owner = await register(client)
    admin = await invite_and_join(client, owner, role="admin")
    owner_id = (await me(client, owner))["user"]["id"]
    member = await invite_and_join(client, owner)
    member_id = (await me(client, member))["user"]["id"]
    assert (await client.delete(f"/members/{owner_id}", headers=bearer(admin))).status_code == 403
    assert (await client.patch(f"/members/{member_id}", headers=bearer(admin), json={"role": "owner"})).status_code == 403
    assert (await client.post("/members/invites", headers=bearer(admin),
                              json={"email": new_email(), "role": "owner"})).status_code == 403
    assert (await client.delete(f"/members/{member_id}", headers=bearer(admin))).status_code == 204
