"""docs/api.md, 402: "the subscription is not active (AI replies and ingestion are refused; reading
still works)" — on the real kb function: every route that starts an ingestion (upload, direct-upload
ticket, re-ingest) is a 402 a frontend can show and leaves nothing behind; listing, reading and
searching the knowledge base go on."""

from __future__ import annotations

import uuid

import pytest

from functions.auth.handler import app as auth_app
from functions.kb.handler import app as kb_app
from shared.accounts.tables import Tenant
from shared.gateway.dispatcher import FunctionGateway
from shared.tenancy.db import tenant_tx
from tests.support import serve

PASSWORD = "Zielona-Herbata-42"
KB = "/function/kb"
pytestmark = pytest.mark.integration


@pytest.fixture
async def gateway(db_pool):
    async with serve(FunctionGateway({"auth": auth_app, "kb": kb_app}), timeout=60) as client:
        yield client


async def test_an_unpaid_seller_reads_and_searches_but_starts_no_ingestion(gateway):
    signed_up = await gateway.post("/function/auth/register", json={
        "email": f"kb-unpaid-{uuid.uuid4().hex[:8]}@example.pl", "password": PASSWORD, "companyName": "Sklep Zaległy"})
    assert signed_up.status_code == 201, signed_up.text
    tenant_id = signed_up.json()["tenant"]["id"]
    paid = {"Authorization": f"Bearer {signed_up.json()['accessToken']}"}
    uploaded = await gateway.post(f"{KB}/documents", headers=paid, data={"title": "Regulamin"}, files={
        "file": ("regulamin.txt", "Zwroty\n\nTowar można zwrócić w ciągu 14 dni.\n".encode(), "text/plain")})
    assert uploaded.status_code == 202, uploaded.text
    document_id = uploaded.json()["id"]

    async with tenant_tx(tenant_id):
        await Tenant.update({Tenant.subscription_status: "past_due"}).where(Tenant.id == tenant_id)
    # The status travels in the access token: a refresh carries the new one.
    refreshed = await gateway.post("/function/auth/refresh", json={"refreshToken": signed_up.json()["refreshToken"]})
    assert refreshed.status_code == 200, refreshed.text
    unpaid = {"Authorization": f"Bearer {refreshed.json()['accessToken']}"}

    refused = {
        "upload": await gateway.post(f"{KB}/documents", headers=unpaid, files={
            "file": ("cennik.txt", b"Wysylka 15 zl.\n", "text/plain")}),
        "direct upload": await gateway.post(f"{KB}/uploads", headers=unpaid,
                                            json={"filename": "katalog.pdf", "sizeBytes": 1000}),
        "re-ingest": await gateway.post(f"{KB}/documents/{document_id}/reingest", headers=unpaid),
    }
    for action, response in refused.items():
        assert response.status_code == 402, (action, response.text)
        assert "subscription is not active" in response.json()["detail"], action
        assert response.json()["errors"] == {"subscriptionStatus": "past_due"}, action

    listed = await gateway.get(f"{KB}/documents", headers=unpaid)
    assert listed.status_code == 200, listed.text
    assert [d["id"] for d in listed.json()["items"]] == [document_id]  # nothing new was created
    assert (await gateway.get(f"{KB}/documents/{document_id}", headers=unpaid)).status_code == 200
    searched = await gateway.post(f"{KB}/search", headers=unpaid, json={"query": "Ile mam dni na zwrot?", "k": 3})
    assert searched.status_code == 200, searched.text
