"""A JSON body is decoded with its declared types, strictly (shared/http/strict.py): no number for a
boolean, no text for a number; the 400 names the field as the caller sent it in a sentence a frontend can
show. Unknown fields stay as each body decides: refused where the Struct forbids them, ignored elsewhere."""

from __future__ import annotations

import pytest

from tests.hostile.conftest import PASSWORD

pytestmark = pytest.mark.integration

G = "/function"
SHOP = {"name": "Sklep", "callbackUrl": "https://sklep.pl/bokai"}


def named(answer, key: str) -> str:
    assert answer.status_code == 400, answer.text
    body = answer.json()
    route = "/" + answer.request.url.path.split("/", 3)[3]  # /function/<name>/<route>
    assert body["detail"] == f"Validation failed for {answer.request.method} {route}"
    assert [(e["key"], e["source"]) for e in body["errors"]] == [(key, "body")], answer.text
    return body["errors"][0]["message"]


async def test_a_number_for_a_boolean_is_a_400_and_creates_nothing(gateway, seller):
    before = (await gateway.get(f"{G}/channels/accounts", headers=seller.headers)).json()["items"]
    answer = await gateway.post(f"{G}/channels/generic", headers=seller.headers, json={**SHOP, "deliveryProbe": 1})
    assert named(answer, "deliveryProbe") == "deliveryProbe must be true or false, not a whole number."
    assert (await gateway.get(f"{G}/channels/accounts", headers=seller.headers)).json()["items"] == before


async def test_text_for_a_number_is_a_400(gateway, seller):
    answer = await gateway.post(f"{G}/kb/uploads", headers=seller.headers,
                                json={"filename": "regulamin.pdf", "sizeBytes": "1"})
    assert named(answer, "sizeBytes") == "sizeBytes must be a whole number or null, not text."


async def test_a_nested_field_is_named_by_its_path(gateway, seller):
    answer = await gateway.patch(f"{G}/ai/config", headers=seller.headers,
                                 json={"businessHours": {"handoffOutsideHours": "true"}})
    assert named(answer, "businessHours.handoffOutsideHours").endswith("must be true or false, not text.")


async def test_a_missing_field_is_named(gateway, seller):
    answer = await gateway.post(f"{G}/channels/generic", headers=seller.headers, json={"name": "Sklep"})
    assert named(answer, "callbackUrl") == "callbackUrl is required."


async def test_an_unknown_field_is_refused_where_the_body_forbids_it(gateway, seller):
    answer = await gateway.post(f"{G}/channels/generic", headers=seller.headers, json={**SHOP, "colour": "red"})
    assert named(answer, "colour") == "colour is not a field of this request."


async def test_an_unknown_field_is_still_ignored_where_the_body_allows_it(gateway, seller):
    answer = await gateway.post(f"{G}/auth/login", json={"email": seller.email, "password": PASSWORD,
                                                         "rememberMe": True})
    assert answer.status_code == 200, answer.text


async def test_a_body_that_is_not_an_object_is_a_400_without_a_field(gateway, seller):
    answer = await gateway.post(f"{G}/channels/generic", headers=seller.headers, json=[SHOP])
    assert answer.status_code == 400, answer.text
    assert answer.json() == {"detail": "The body must be an object, not a list."}


async def test_a_caller_without_a_token_still_gets_a_401_first(gateway):
    answer = await gateway.post(f"{G}/channels/generic", json={**SHOP, "deliveryProbe": 1})
    assert answer.status_code == 401, answer.text


async def test_a_right_body_is_still_accepted(gateway, seller):
    answer = await gateway.post(f"{G}/channels/generic", headers=seller.headers,
                                json={**SHOP, "name": "Sklep Łódź 🛒", "deliveryProbe": True})
    assert answer.status_code == 201, answer.text
    assert answer.json()["account"]["displayName"] == "Sklep Łódź 🛒"
