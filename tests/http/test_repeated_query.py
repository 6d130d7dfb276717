"""A query parameter a route takes one value of, sent twice, is a 400 naming it as sent, on every route
(shared/http/strict.py): before, ``?limit=5&limit=500`` silently used the last value."""

from __future__ import annotations

import uuid
from typing import Annotated

import pytest
from litestar import get
from litestar.params import FromQuery, QueryParameter

from shared.http.app import make_function_app
from tests.support import serve

pytestmark = pytest.mark.integration

G = "/function"


def refused(answer, name: str) -> None:
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"] == [{"key": name, "message": f"Send {name} once; it came more than once.",
                                        "source": "query"}]


async def test_a_limit_sent_twice_is_a_400(gateway, seller):
    answer = await gateway.get(f"{G}/conversations/conversations?limit=5&limit=500", headers=seller.headers)
    refused(answer, "limit")
    assert answer.json()["detail"] == "Validation failed for GET /conversations"


async def test_a_renamed_parameter_is_named_as_sent(gateway, seller):
    answer = await gateway.get(f"{G}/conversations/conversations?needsHuman=true&needsHuman=false",
                               headers=seller.headers)
    refused(answer, "needsHuman")


async def test_the_same_value_twice_is_refused_too(gateway, seller):
    refused(await gateway.get(f"{G}/kb/documents?limit=5&limit=5", headers=seller.headers), "limit")


async def test_a_route_without_a_token_refuses_it_too(gateway, seller):
    # The eMAG callback authenticates with a query token itself: which order_id would it have recorded?
    answer = await gateway.get(f"{G}/webhooks/emag/{seller.tenant_id}/{uuid.uuid4()}?order_id=1&order_id=2")
    refused(answer, "order_id")


async def test_once_each_and_parameters_the_route_does_not_take_are_fine(gateway, seller):
    answer = await gateway.get(f"{G}/conversations/conversations?limit=5&utm=a&utm=b", headers=seller.headers)
    assert answer.status_code == 200, answer.text


@get("/tags", sync_to_thread=False)
def tags(tag: Annotated[list[str], QueryParameter(name="tag")], page: FromQuery[int] = 1) -> dict:
    return {"tags": tag, "page": page}


async def test_a_parameter_taking_a_list_may_repeat():
    app = make_function_app("listing", [tags], description="A list parameter", postgres=False, redis=False)
    async with serve(app) as client:
        listed = await client.get("/tags?tag=a&tag=b")
        paged_twice = await client.get("/tags?tag=a&page=1&page=2")
    assert (listed.status_code, listed.json()) == (200, {"tags": ["a", "b"], "page": 1})
    refused(paged_twice, "page")
