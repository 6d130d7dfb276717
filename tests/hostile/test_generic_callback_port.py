"""A shop channel's callback URL with a port no connection can use, or with credentials in it, is refused
when the channel is created (400 naming callbackUrl): before, the port was stored (201) and every reply then
failed as "not a valid URL"; the credentials were kept in plain channel settings."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("port", ["99999", "-1", "0", "9999999999999999999"])
async def test_a_callback_url_with_an_impossible_port_is_a_400(gateway, seller, port):
    answer = await gateway.post("/function/channels/generic", headers=seller.headers, json={
        "name": "Sklep", "callbackUrl": f"https://shop.example.pl:{port}/hook"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"] == [{"key": "callbackUrl", "message": answer.json()["detail"]}]
    assert "port" in answer.json()["detail"]


async def test_a_callback_url_with_a_real_port_is_accepted(gateway, seller):
    answer = await gateway.post("/function/channels/generic", headers=seller.headers, json={
        "name": "Sklep", "callbackUrl": "https://shop.example.pl:8443/hook"})
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("userinfo", ["user:pass@", "token@", ":secret@"])
async def test_a_callback_url_with_credentials_is_a_400(gateway, seller, userinfo):
    """Credentials in the URL would be kept in plain channel settings (only the signing secret is encrypted)."""
    answer = await gateway.post("/function/channels/generic", headers=seller.headers, json={
        "name": "Sklep", "callbackUrl": f"https://{userinfo}shop.example.pl/hook"})
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["key"] == "callbackUrl"
    assert "password" in answer.json()["detail"]
    assert userinfo.strip(":@") not in answer.text  # the credential is not echoed back
