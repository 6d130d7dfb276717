"""Allegro order context against the contract fake (real HTTP): a thread about an order is tied to it, the
snapshot carries the carrier's latest status, and a platform that fails or lies never breaks anything."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from shared.channels.allegro.sync import sync_allegro
from shared.conversations.tables import Conversation
from shared.orders import store
from shared.orders.refresh import FRESH_FOR, RETRY_FAILED_AFTER, order_for_reply
from shared.tenancy.db import tenant_tx
from tests.channels.marketplace_support import G
from tests.orders.conftest import allegro_seller

pytestmark = pytest.mark.integration
NOW = datetime.now(timezone.utc)
WAYBILL = "620111222333444555666777"


async def thread_conversation(tenant, thread_id: str):
    async with tenant_tx(tenant):
        row = await Conversation.select(Conversation.id).where(
            Conversation.platform_conversation_id == thread_id).first()
    return row["id"]


async def order_thread(gateway, allegro, orders, *, buyer="kupujacy_1", thread="t-order", **order):
    tenant, account_id, headers = await allegro_seller(gateway, allegro)
    form_id = orders.add_order(buyer="kupujacy_1", **order)
    allegro.add_message(thread, "Dzień dobry, gdzie jest moja paczka?", NOW - timedelta(minutes=1), buyer=buyer,
                        order_id=form_id)
    await sync_allegro(tenant, account_id)
    return tenant, headers, form_id, await thread_conversation(tenant, thread)


async def test_a_thread_about_an_order_shows_it_with_the_carriers_latest_status(gateway, allegro, orders):
    tenant, headers, form_id, conversation_id = await order_thread(gateway, allegro, orders)
    orders.ship(form_id, "INPOST", WAYBILL, ("PENDING", NOW - timedelta(days=2)),
                ("AVAILABLE_FOR_PICKUP", NOW - timedelta(hours=2)), ("IN_TRANSIT", NOW - timedelta(days=1)))
    orders.add_return(form_id, "IN_TRANSIT")
    orders.add_refund(form_id, "1299.00", "IN_PROGRESS")

    order = await order_for_reply(tenant, conversation_id)

    snapshot = order.snapshot
    assert (snapshot.order_id, snapshot.status, snapshot.fulfillment_status, snapshot.paid) == (
        form_id, "READY_FOR_PROCESSING", "SENT", True)
    [shipment] = snapshot.shipments
    # The latest by occurredAt, whatever order the carrier lists its events in.
    assert (shipment.carrier, shipment.waybill, shipment.status) == ("InPost", WAYBILL, "AVAILABLE_FOR_PICKUP")
    assert [(r.status,) for r in snapshot.returns] == [("IN_TRANSIT",)]
    assert [(r.status, r.amount, r.currency) for r in snapshot.refunds] == [("IN_PROGRESS", "1299.00", "PLN")]
    assert [(i.name, i.quantity) for i in snapshot.items] == [("Rower Vento City 28", 1)]

    detail = await gateway.get(f"{G}/conversations/conversations/{conversation_id}", headers=headers)
    assert detail.status_code == 200, detail.text
    shown = detail.json()["conversation"]["order"]
    assert (shown["platform"], shown["orderId"], shown["lastError"]) == ("allegro", form_id, None)
    assert shown["fetchedAt"] and shown["snapshot"]["shipments"][0]["status"] == "AVAILABLE_FOR_PICKUP"
    # The buyer's address, phone, e-mail and name stay on Allegro.
    for private in ("Długa", "600100200", "allegromail", "Kowalski"):
        assert private not in detail.text
    listed = (await gateway.get(f"{G}/conversations/conversations", headers=headers)).json()["items"]
    assert [c["order"]["orderId"] for c in listed] == [form_id]


async def test_an_issue_about_an_order_is_tied_to_it(gateway, allegro, orders):
    tenant, account_id, _ = await allegro_seller(gateway, allegro)
    form_id = orders.add_order(buyer="kupujacy_2")
    allegro.add_issue_message("issue-7", "Paczka nie dotarła", NOW - timedelta(minutes=5), checkout_form_id=form_id)
    await sync_allegro(tenant, account_id)
    order = await store.load(tenant, await thread_conversation(tenant, "issue:issue-7"))
    assert (order.platform, order.order_id, order.account_id) == ("allegro", form_id, account_id)


async def test_a_snapshot_is_fresh_for_a_while_and_a_failure_is_not_hammered(gateway, allegro, orders):
    tenant, _, form_id, conversation_id = await order_thread(gateway, allegro, orders)
    fetched = await order_for_reply(tenant, conversation_id)
    reads = allegro.requests_to("GET", "/order/checkout-forms/[^/]+$")
    assert await order_for_reply(tenant, conversation_id, now=fetched.fetched_at + FRESH_FOR / 2)
    assert allegro.requests_to("GET", "/order/checkout-forms/[^/]+$") == reads

    allegro.fail("/order/checkout-forms/", 503, times=20)
    later = fetched.fetched_at + FRESH_FOR + timedelta(seconds=1)
    stale = await order_for_reply(tenant, conversation_id, now=later)
    # The last good snapshot stays, with the reason it was not refreshed (no body, no token).
    assert stale.snapshot == fetched.snapshot and stale.last_error == "PlatformUnavailable"
    reads = allegro.requests_to("GET", "/order/checkout-forms/")
    await order_for_reply(tenant, conversation_id, now=later + RETRY_FAILED_AFTER / 2)
    assert allegro.requests_to("GET", "/order/checkout-forms/") == reads


@pytest.mark.parametrize("status, body, raw, reason", [
    (404, {"errors": [{"code": "NotFoundException", "message": "Checkout form not found"}]}, None, "PlatformRejected"),
    (403, {"errors": [{"code": "AccessDenied", "message": "Access is denied"}]}, None, "PlatformRejected"),
    (429, {"errors": [{"code": "TooManyRequestsException"}]}, None, "RateLimited"),
    (500, None, b"<html>Internal error</html>", "PlatformUnavailable"),
    (200, None, b'{"id": "x", "lineItems": "not a list"', "PlatformUnavailable"),
    (200, {"id": "x", "lineItems": "not a list"}, None, "PlatformUnavailable"),
])
async def test_a_failing_or_garbled_platform_leaves_the_conversation_without_an_order(
        gateway, allegro, orders, status, body, raw, reason):
    tenant, headers, form_id, conversation_id = await order_thread(gateway, allegro, orders)
    allegro.fail("/order/checkout-forms/", status, times=20, body=body, raw=raw, headers={"retry-after": "0"})
    order = await order_for_reply(tenant, conversation_id)
    assert (order.snapshot, order.last_error) == (None, reason)
    shown = (await gateway.get(f"{G}/conversations/conversations/{conversation_id}", headers=headers)).json()
    assert shown["conversation"]["order"]["snapshot"] is None
    assert shown["conversation"]["order"]["lastError"] == reason


async def test_an_order_of_another_buyer_is_never_shown(gateway, allegro, orders):
    # The thread's buyer is kupujacy_9; the order the platform points at is kupujacy_1's.
    tenant, headers, form_id, conversation_id = await order_thread(gateway, allegro, orders, buyer="kupujacy_9")
    order = await order_for_reply(tenant, conversation_id)
    assert (order.snapshot, order.last_error) == (None, "order of another buyer")
    shown = (await gateway.get(f"{G}/conversations/conversations/{conversation_id}", headers=headers)).text
    assert "Rower Vento" not in shown


async def test_a_snapshot_shown_before_is_dropped_when_the_order_turns_out_to_be_another_buyers(
        gateway, allegro, orders):
    tenant, _, form_id, conversation_id = await order_thread(gateway, allegro, orders)
    first = await order_for_reply(tenant, conversation_id)
    assert first.snapshot is not None
    orders.forms[form_id]["buyer"]["login"] = "ktos_inny"
    again = await order_for_reply(tenant, conversation_id, now=first.fetched_at + FRESH_FOR * 2)
    assert again.snapshot is None and (await store.load(tenant, conversation_id)).snapshot is None


async def test_a_huge_order_is_cut_to_what_a_reply_can_carry(gateway, allegro, orders):
    items = tuple((f"Produkt {n} " + "x" * 5000, 1) for n in range(300))
    tenant, _, form_id, conversation_id = await order_thread(gateway, allegro, orders, items=items)
    for n in range(30):
        orders.ship(form_id, "DPD", f"DPD{n:010d}", ("IN_TRANSIT", NOW))
    snapshot = (await order_for_reply(tenant, conversation_id)).snapshot
    assert len(snapshot.items) == 20 and max(len(i.name) for i in snapshot.items) <= 200
    assert len(snapshot.shipments) == 5


async def test_the_order_goes_with_its_conversation(gateway, allegro, orders):
    tenant, _, _, conversation_id = await order_thread(gateway, allegro, orders)
    await order_for_reply(tenant, conversation_id)
    async with tenant_tx(tenant):
        await Conversation.delete().where(Conversation.id == conversation_id)
    assert await store.load(tenant, conversation_id) is None
