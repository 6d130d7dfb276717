"""A token of tenant A never reads or changes tenant B's data through any auth endpoint."""

from __future__ import annotations

import pytest

from tests.auth.conftest import PASSWORD, bearer, register
from tests.auth.test_members import invite_and_join, me

pytestmark = pytest.mark.integration


@pytest.fixture
async def two_sellers(client):
    alfa, beta = await register(client, company="Alfa"), await register(client, company="Beta")
    beta_member = await invite_and_join(client, beta)
    return alfa, beta, beta_member


async def test_member_list_and_me_show_only_own_tenant(client, two_sellers):
    alfa, beta, beta_member = two_sellers
    listed = (await client.get("/members", headers=bearer(alfa))).json()
    assert [m["role"] for m in listed] == ["owner"]
    alfa_me = await me(client, alfa)
    assert alfa_me["tenant"]["id"] == alfa["tenant"]["id"]
    assert [t["id"] for t in alfa_me["tenants"]] == [alfa["tenant"]["id"]]


async def test_cannot_change_or_remove_members_of_another_tenant(client, two_sellers):
    alfa, beta, beta_member = two_sellers
    for target in (await me(client, beta), await me(client, beta_member)):
        target_id = target["user"]["id"]
        patched = await client.patch(f"/members/{target_id}", headers=bearer(alfa), json={"role": "member"})
        removed = await client.delete(f"/members/{target_id}", headers=bearer(alfa))
        assert patched.status_code == removed.status_code == 404
    roles = sorted(m["role"] for m in (await client.get("/members", headers=bearer(beta))).json())
    assert roles == ["member", "owner"]


async def test_cannot_enter_another_tenant(client, two_sellers):
    alfa, beta, _ = two_sellers
    switched = await client.post("/switch-tenant", headers=bearer(alfa), json={"tenantId": beta["tenant"]["id"]})
    assert switched.status_code == 403
    alfa_email = (await me(client, alfa))["user"]["email"]
    login = await client.post("/login", json={"email": alfa_email, "password": PASSWORD,
                                              "tenantId": beta["tenant"]["id"]})
    assert login.status_code == 403


async def test_invite_from_tenant_a_joins_only_tenant_a(client, two_sellers):
    alfa, beta, _ = two_sellers
    joined = await invite_and_join(client, alfa)
    assert joined["tenant"]["id"] == alfa["tenant"]["id"]
    assert [t["id"] for t in (await me(client, joined))["tenants"]] == [alfa["tenant"]["id"]]
