"""eMAG order callbacks: recorded once as order context (eMAG has no messaging API)."""

from __future__ import annotations

import pytest

from shared.inbox.processing import process_event
from shared.inbox.tables import InboxEvent
from shared.tenancy.db import tenant_tx
from tests.webhooks.support import add_channel

pytestmark = pytest.mark.integration


async def test_callback_is_stored_once_and_needs_the_token(webhooks, seller):
    account = await add_channel(seller.tenant_id, "emag", {"callbackToken": "emag-secret"})
    path = f"/emag/{seller.tenant_id}/{account}"
    first = await webhooks.get(path, params={"order_id": "123456", "token": "emag-secret"})
    again = await webhooks.get(path, params={"order_id": "123456", "token": "emag-secret"})
    posted = await webhooks.post(path, params={"order_id": "123456"}, headers={"x-bokai-token": "emag-secret"},
                                 content=b"status=4")
    forged = await webhooks.get(path, params={"order_id": "123456", "token": "guess"})
    no_order = await webhooks.get(path, params={"token": "emag-secret"})
    assert [r.status_code for r in (first, again, posted, forged, no_order)] == [202, 202, 202, 401, 400]
    assert [first.json()["duplicate"], again.json()["duplicate"], posted.json()["duplicate"]] == [False, True, False]

    async with tenant_tx(seller.tenant_id):
        events = await InboxEvent.select().where(InboxEvent.source == f"emag:{account}")
    assert len(events) == 2 and all("emag-secret" not in str(e["payload"]) for e in events)
    assert {await process_event(str(seller.tenant_id), str(e["id"])) for e in events} == {"processed"}
