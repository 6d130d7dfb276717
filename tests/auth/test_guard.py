"""The shared guard as another function uses it: one line per route, 401 vs 403 vs 402."""

from __future__ import annotations

import pytest

from shared.accounts.tables import Tenant
from shared.auth.settings import auth_settings
from shared.auth.tokens import issue_access_token
from shared.tenancy.db import tenant_tx
from tests.auth.conftest import bearer, register
from tests.auth.test_members import invite_and_join

pytestmark = pytest.mark.integration


async def test_principal_reaches_the_handler(client, inbox):
    owner = await register(client)
    response = await inbox.get("/conversations", headers=bearer(owner))
    assert response.json() == {"tenant": owner["tenant"]["id"], "role": "owner"}


async def test_401_without_or_with_a_bad_token(inbox):
    missing = await inbox.get("/conversations")
    assert missing.status_code == 401 and missing.headers["www-authenticate"].startswith("Bearer")
    assert "Authorization: Bearer" in missing.json()["detail"]
    assert (await inbox.get("/conversations", headers={"Authorization": "Bearer x.y.z"})).status_code == 401


async def test_403_when_the_role_lacks_the_permission(client, inbox):
    owner = await register(client)
    member = await invite_and_join(client, owner)
    refused = await inbox.post("/billing", headers=bearer(member))
    assert refused.status_code == 403
    assert refused.json()["detail"] == "Your role (member) does not allow this; it needs the 'billing' permission."
    assert (await inbox.post("/billing", headers=bearer(owner))).status_code == 201


async def test_revoked_token_is_401_in_every_function(client, inbox):
    owner = await register(client)
    assert (await client.post("/logout", headers=bearer(owner))).status_code == 204
    assert (await inbox.get("/conversations", headers=bearer(owner))).status_code == 401


async def test_token_for_an_unknown_session_is_401(inbox):
    token, _ = issue_access_token(auth_settings(), user_id="3f1c2f8e-4f4e-4c4b-9a39-0c7c1c7d8a11",
                                  tenant_id="0b1e5d7a-1111-4222-8333-944455556666", role="owner",
                                  permissions=("read",), session_id="never-started", subscription="active")
    assert (await inbox.get("/conversations", headers={"Authorization": f"Bearer {token}"})).status_code == 401


async def test_unpaid_tenant_reads_but_cannot_spend(client, inbox):
    owner = await register(client)
    assert (await inbox.post("/replies", headers=bearer(owner))).status_code == 202
    async with tenant_tx(owner["tenant"]["id"]):
        await Tenant.update({Tenant.subscription_status: "past_due"}).where(Tenant.id == owner["tenant"]["id"])
    # The status travels in the token: it applies from the next refresh (at most one access lifetime).
    refreshed = (await client.post("/refresh", json={"refreshToken": owner["refreshToken"]})).json()
    assert refreshed["tenant"]["subscriptionStatus"] == "past_due"
    refused = await inbox.post("/replies", headers=bearer(refreshed))
    assert refused.status_code == 402
    assert "subscription is not active" in refused.json()["detail"]
    assert refused.json()["errors"] == {"subscriptionStatus": "past_due"}
    assert (await inbox.get("/conversations", headers=bearer(refreshed))).status_code == 200
