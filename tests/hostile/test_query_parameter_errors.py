"""A bad query parameter's 400 names the parameter as the caller sent it (``needsHuman``, not the handler's
``needs_human``) and does not repeat the query string back: before, a 20,000-character value came back
whole in ``detail`` and the ``errors`` key was a Python name no frontend sends."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

LIST = "/function/conversations/conversations"
ENORMOUS = "x" * 20_000


@pytest.mark.parametrize(("name", "value", "words"), [
    ("platformConversationId", ENORMOUS, "length <= 255"),
    ("needsHuman", "maybe", "bool"),
    ("limit", "9" * 400, "int"),
    ("limit", "0", ">= 1"),
])
async def test_a_bad_query_parameter_is_named_as_sent_and_not_echoed(gateway, seller, name, value, words):
    answer = await gateway.get(LIST, headers=seller.headers, params={name: value})
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert [(e["key"], e["source"]) for e in body["errors"]] == [(name, "query")]
    assert words in body["errors"][0]["message"]
    assert body["detail"] == "Validation failed for GET /conversations"
    assert len(answer.content) < 500


async def test_a_bad_parameter_of_a_detail_route_is_named_as_sent(gateway, seller):
    answer = await gateway.get(f"{LIST}/00000000-0000-0000-0000-000000000000", headers=seller.headers,
                               params={"messagesLimit": "many"})
    assert answer.status_code == 400, answer.text
    assert [e["key"] for e in answer.json()["errors"]] == ["messagesLimit"]


async def test_a_bad_body_field_keeps_its_camel_case_name(gateway, seller):
    answer = await gateway.post("/function/channels/generic?x=" + "y" * 5000, headers=seller.headers,
                                json={"name": "Sklep", "callbackUrl": "http://127.0.0.1:9/cb", "deliveryProbe": "yes"})
    assert answer.status_code == 400, answer.text
    body = answer.json()
    assert [(e["key"], e["source"]) for e in body["errors"]] == [("deliveryProbe", "body")]
    assert body["detail"] == "Validation failed for POST /generic"
