"""A refused upload ticket names the field that is wrong: an announced size of 0 or less is the caller's
``sizeBytes``, not its ``filename`` (the 400 named ``filename`` for both, so a form marked the wrong box)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.integration

UPLOADS = "/function/kb/uploads"


@pytest.mark.parametrize(("ticket", "field"), [
    ({"filename": "regulamin.pdf", "sizeBytes": 0}, "sizeBytes"),
    ({"filename": "regulamin.pdf", "sizeBytes": -1}, "sizeBytes"),
    ({"filename": " ", "sizeBytes": 10}, "filename"),
])
async def test_a_refused_ticket_names_the_wrong_field(gateway, seller, ticket, field):
    answer = await gateway.post(UPLOADS, headers=seller.headers, json=ticket)
    assert answer.status_code == 400, answer.text
    assert [e["key"] for e in answer.json()["errors"]] == [field]
