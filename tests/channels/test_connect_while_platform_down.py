"""docs/marketplaces.md: "eMAG not answering is a 502" — connecting while a marketplace answers 5xx is a
502 whose detail a frontend can show (never a 500 or the platform's own body), and nothing is saved,
so the seller simply tries again."""

from __future__ import annotations

import pytest

from tests.channels.marketplace_support import G, gateway, sign_up  # noqa: F401

pytestmark = pytest.mark.integration
SHOWN = "is not answering as expected right now; please try again in a minute."


async def accounts_of(gateway, seller) -> list:  # noqa: F811
    response = await gateway.get(f"{G}/channels/accounts", headers=seller)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_connecting_emag_while_emag_is_down_is_a_502_and_saves_nothing(gateway, emag):  # noqa: F811
    _, seller = await sign_up(gateway, "Magazin Cazut")
    emag.fail(r"/order/count$", 503, times=20, body={"isError": True, "messages": ["Service Unavailable: node-7"]})
    response = await gateway.post(f"{G}/channels/emag", headers=seller, json={
        "country": "ro", "apiUsername": "api-user@sklep.ro", "apiPassword": "emag-parola"})

    assert response.status_code == 502, response.text
    assert response.json() == {"detail": f"eMAG {SHOWN}"}
    assert await accounts_of(gateway, seller) == []

    # Once eMAG answers, the same request connects: nothing half-saved stands in the way (no 409).
    emag.failures.clear()
    again = await gateway.post(f"{G}/channels/emag", headers=seller, json={
        "country": "ro", "apiUsername": "api-user@sklep.ro", "apiPassword": "emag-parola"})
    assert again.status_code == 201, again.text


async def test_starting_allegros_device_flow_while_allegro_is_down_is_a_502(gateway, allegro):  # noqa: F811
    _, seller = await sign_up(gateway, "Sklep Bez Allegro")
    allegro.fail(r"/auth/oauth/device$", 503, times=20)
    response = await gateway.post(f"{G}/channels/allegro/device", headers=seller)

    assert response.status_code == 502, response.text
    assert response.json() == {"detail": f"Allegro {SHOWN}"}
    assert await accounts_of(gateway, seller) == []
