"""Authorization follows the database: a demoted or removed member's old token loses its powers on
the next request, and invites die with their creator's right to create them (issue 12)."""

from __future__ import annotations

import uuid

import pytest

from shared.auth.live_roles import role_key
from shared.infra.redis import redis_client
from shared.tenancy.db import tenant_tx, tx_connection
from tests.auth.conftest import PASSWORD, bearer, new_email, register
from tests.auth.test_members import invite_and_join, me

pytestmark = pytest.mark.integration


async def user_id(client, tokens) -> str:
    return (await me(client, tokens))["user"]["id"]


async def test_demoted_admin_cannot_promote_themself_back_with_the_old_token(client):
    owner = await register(client)
    admin = await invite_and_join(client, owner, role="admin")
    admin_id = await user_id(client, admin)
    assert (await client.patch(f"/members/{admin_id}", headers=bearer(owner), json={"role": "member"})).status_code == 200

    again = await client.patch(f"/members/{admin_id}", headers=bearer(admin), json={"role": "admin"})
    assert again.status_code == 401, again.text
    assert "role" in again.json()["detail"] and again.headers["www-authenticate"]
    members = (await client.get("/members", headers=bearer(owner))).json()
    assert next(m["role"] for m in members if m["userId"] == admin_id) == "member"
    # Refreshing gives a member's token: still no admin powers, now as a 403.
    refreshed = (await client.post("/refresh", json={"refreshToken": admin["refreshToken"]})).json()
    assert refreshed["tenant"]["role"] == "member"
    denied = await client.patch(f"/members/{admin_id}", headers=bearer(refreshed), json={"role": "admin"})
    assert denied.status_code == 403


async def test_old_token_of_a_demoted_member_is_refused_by_other_functions_too(client, inbox):
    owner = await register(client)
    admin = await invite_and_join(client, owner, role="admin")
    assert (await inbox.get("/conversations", headers=bearer(admin))).json()["role"] == "admin"
    await client.patch(f"/members/{await user_id(client, admin)}", headers=bearer(owner), json={"role": "member"})
    assert (await inbox.get("/conversations", headers=bearer(admin))).status_code == 401


async def test_role_changed_in_the_database_with_no_cached_role_is_noticed(client):
    # The cache is gone (evicted, Redis restarted) and an operator changed the role in SQL.
    owner = await register(client)
    admin = await invite_and_join(client, owner, role="admin")
    tenant_id, admin_id = admin["tenant"]["id"], await user_id(client, admin)
    async with tenant_tx(tenant_id):
        await tx_connection().execute("UPDATE memberships SET role = 'member' WHERE tenant_id = $1 AND user_id = $2",
                                      uuid.UUID(tenant_id), uuid.UUID(admin_id))
    redis = redis_client()
    await redis.delete(role_key(redis, tenant_id, admin_id))
    assert (await client.get("/members", headers=bearer(admin))).status_code == 401
    assert (await redis.get(role_key(redis, tenant_id, admin_id))) == b"member"


async def test_invites_can_be_listed_and_revoked(client):
    owner = await register(client)
    email = new_email("invited")
    created = (await client.post("/members/invites", headers=bearer(owner), json={"email": email})).json()
    listed = (await client.get("/members/invites", headers=bearer(owner))).json()
    assert [(i["id"], i["email"], i["role"]) for i in listed] == [(created["id"], email, "member")]
    assert "inviteToken" not in listed[0] and listed[0]["invitedBy"] == await user_id(client, owner)

    assert (await client.delete(f"/members/invites/{created['id']}", headers=bearer(owner))).status_code == 204
    assert (await client.get("/members/invites", headers=bearer(owner))).json() == []
    accepted = await client.post("/invites/accept", json={"token": created["inviteToken"], "password": PASSWORD})
    assert accepted.status_code == 404
    assert (await client.delete(f"/members/invites/{created['id']}", headers=bearer(owner))).status_code == 404


async def test_another_sellers_invite_cannot_be_revoked_or_listed(client):
    owner, stranger = await register(client), await register(client)
    created = (await client.post("/members/invites", headers=bearer(owner), json={"email": new_email()})).json()
    assert (await client.get("/members/invites", headers=bearer(stranger))).json() == []
    assert (await client.delete(f"/members/invites/{created['id']}", headers=bearer(stranger))).status_code == 404
    assert len((await client.get("/members/invites", headers=bearer(owner))).json()) == 1


async def test_members_cannot_list_invites(client):
    owner = await register(client)
    member = await invite_and_join(client, owner)
    assert (await client.get("/members/invites", headers=bearer(member))).status_code == 403


@pytest.mark.parametrize("fate", ["demoted", "removed"])
async def test_invites_of_an_admin_who_loses_the_right_are_void(client, fate):
    owner = await register(client)
    admin = await invite_and_join(client, owner, role="admin")
    admin_id = await user_id(client, admin)
    invite = (await client.post("/members/invites", headers=bearer(admin), json={"email": new_email()})).json()
    if fate == "demoted":
        await client.patch(f"/members/{admin_id}", headers=bearer(owner), json={"role": "member"})
    else:
        assert (await client.delete(f"/members/{admin_id}", headers=bearer(owner))).status_code == 204
    assert (await client.get("/members/invites", headers=bearer(owner))).json() == []
    accepted = await client.post("/invites/accept", json={"token": invite["inviteToken"], "password": PASSWORD})
    assert accepted.status_code == 404, accepted.text


async def test_invite_is_void_at_accept_time_even_if_the_cleanup_was_missed(client):
    # Role changed in SQL by an operator: no cleanup ran, the accept-time check still holds.
    owner = await register(client)
    admin = await invite_and_join(client, owner, role="admin")
    tenant_id, admin_id = admin["tenant"]["id"], await user_id(client, admin)
    invite = (await client.post("/members/invites", headers=bearer(admin), json={"email": new_email()})).json()
    async with tenant_tx(tenant_id):
        await tx_connection().execute("DELETE FROM memberships WHERE tenant_id = $1 AND user_id = $2",
                                      uuid.UUID(tenant_id), uuid.UUID(admin_id))
    accepted = await client.post("/invites/accept", json={"token": invite["inviteToken"], "password": PASSWORD})
    assert accepted.status_code == 404


async def test_an_owner_demoted_to_admin_keeps_member_invites_but_not_owner_invites(client):
    owner = await register(client)
    second = await invite_and_join(client, owner, role="owner")
    for_owner = (await client.post("/members/invites", headers=bearer(second),
                                   json={"email": new_email(), "role": "owner"})).json()
    for_member = (await client.post("/members/invites", headers=bearer(second), json={"email": new_email()})).json()
    await client.patch(f"/members/{await user_id(client, second)}", headers=bearer(owner), json={"role": "admin"})
    assert [i["id"] for i in (await client.get("/members/invites", headers=bearer(owner))).json()] == [for_member["id"]]
    joined = await client.post("/invites/accept", json={"token": for_member["inviteToken"], "password": PASSWORD})
    assert joined.status_code == 200 and joined.json()["tenant"]["role"] == "member"
    refused = await client.post("/invites/accept", json={"token": for_owner["inviteToken"], "password": PASSWORD})
    assert refused.status_code == 404


async def test_a_removed_member_invited_back_can_work_again(client):
    owner = await register(client)
    email = new_email("returning")
    member = await invite_and_join(client, owner, email=email)
    await client.delete(f"/members/{await user_id(client, member)}", headers=bearer(owner))
    back = await invite_and_join(client, owner, email=email)
    assert (await client.get("/members", headers=bearer(back))).status_code == 200
