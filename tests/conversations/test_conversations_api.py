"""The conversations function through the gateway: list, search, read, reply, approve, take over."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from functions.auth.handler import app as auth_app
from functions.conversations.handler import app as conversations_app
from shared.conversations import replies
from shared.gateway.dispatcher import FunctionGateway
from tests.conversations.support import SECRET, ReplyWorker, customer_writes, generic_channel, wait_for
from tests.fakes.generic_receiver import GenericReceiver
from tests.support import serve

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("db_pool")]
API = "/function/conversations"


@pytest.fixture(scope="module")
async def worker(broker_namespace, tmp_path_factory):
    replies_worker = ReplyWorker(tmp_path_factory.mktemp("api-replies"), broker_namespace)
    await replies_worker.start()
    yield replies_worker
    replies_worker.stop()


@pytest.fixture(scope="module")
async def gateway():
    async with serve(FunctionGateway({"auth": auth_app, "conversations": conversations_app}), timeout=30) as client:
        yield client


@pytest.fixture
async def receiver():
    fake = GenericReceiver(SECRET.encode())
    async with serve(fake) as client:
        fake.url = f"{client.base_url}/hook"
        yield fake


class Seller:
    def __init__(self, headers: dict[str, str], tenant_id: uuid.UUID, account_id: uuid.UUID) -> None:
        self.headers, self.tenant_id, self.account_id = headers, tenant_id, account_id


async def sign_up(gateway, receiver) -> Seller:
    response = await gateway.post("/function/auth/register", json={
        "email": f"conv-{uuid.uuid4().hex[:10]}@example.pl", "password": "Zielona-Herbata-42",
        "companyName": "Sklep Konwersacje"})
    assert response.status_code == 201, response.text
    tenant_id = uuid.UUID(response.json()["tenant"]["id"])
    account_id = await generic_channel(tenant_id, receiver.url)
    return Seller({"Authorization": f"Bearer {response.json()['accessToken']}"}, tenant_id, account_id)


async def reply_status(gateway, seller, conversation_id, reply_id, wanted=("sent", "failed")) -> dict:
    async def settled():
        detail = (await gateway.get(f"{API}/conversations/{conversation_id}", headers=seller.headers)).json()
        found = [m for m in detail["messages"]["items"] if m["id"] == str(reply_id)]
        return found[0] if found and found[0]["status"] in wanted else None
    return await wait_for(settled)


async def test_list_filters_search_and_pages_without_overlap(gateway, receiver):
    seller = await sign_up(gateway, receiver)
    names = ["Łukasz Nowak", "Anna Kowalska", "Piotr Zieliński", "Ewa Wiśniewska", "Jan Wójcik"]
    ids = []
    for minutes, name in enumerate(names):
        conversation_id, _ = await customer_writes(seller.tenant_id, seller.account_id, f"Pytanie o zamówienie {minutes}",
                                                   thread=f"t-{minutes}", customer=name, minutes_ago=minutes)
        ids.append(str(conversation_id))

    seen, cursor = [], None
    while True:
        page = await gateway.get(f"{API}/conversations", headers=seller.headers,
                                 params={"limit": 2, **({"cursor": cursor} if cursor else {})})
        assert page.status_code == 200, page.text
        seen += [c["id"] for c in page.json()["items"]]
        cursor = page.json()["nextCursor"]
        if cursor is None:
            break
    assert seen == ids  # newest activity first, every conversation once

    by_name = (await gateway.get(f"{API}/conversations", headers=seller.headers, params={"q": "łukasz"})).json()
    by_text = (await gateway.get(f"{API}/conversations", headers=seller.headers,
                                 params={"q": "zamówienie 3"})).json()
    literal = (await gateway.get(f"{API}/conversations", headers=seller.headers, params={"q": "%"})).json()
    assert [c["customerName"] for c in by_name["items"]] == ["Łukasz Nowak"]
    assert [c["id"] for c in by_text["items"]] == [ids[3]]
    assert literal["items"] == []

    resolved = await gateway.post(f"{API}/conversations/{ids[1]}/resolve", headers=seller.headers)
    assert resolved.status_code == 200 and resolved.json()["status"] == "resolved"
    only_resolved = (await gateway.get(f"{API}/conversations", headers=seller.headers,
                                       params={"status": "resolved", "platform": "generic"})).json()
    assert [c["id"] for c in only_resolved["items"]] == [ids[1]]
    reopened = await gateway.post(f"{API}/conversations/{ids[1]}/reopen", headers=seller.headers)
    assert reopened.json()["status"] == "open"


async def test_messages_come_oldest_first_in_pages(gateway, receiver):
    seller = await sign_up(gateway, receiver)
    for minutes in (4, 3, 2, 1, 0):
        conversation_id, _ = await customer_writes(seller.tenant_id, seller.account_id, f"wiadomość {minutes}",
                                                   minutes_ago=minutes)
    detail = await gateway.get(f"{API}/conversations/{conversation_id}", headers=seller.headers,
                               params={"messagesLimit": 2})
    assert detail.status_code == 200, detail.text
    texts = [m["content"] for m in detail.json()["messages"]["items"]]
    cursor = detail.json()["messages"]["nextCursor"]
    while cursor:
        page = (await gateway.get(f"{API}/conversations/{conversation_id}/messages", headers=seller.headers,
                                  params={"cursor": cursor, "limit": 2})).json()
        texts += [m["content"] for m in page["items"]]
        cursor = page["nextCursor"]
    assert texts == [f"wiadomość {m}" for m in (4, 3, 2, 1, 0)]


async def test_draft_is_edited_approved_and_sent_once(gateway, receiver, worker):
    seller = await sign_up(gateway, receiver)
    conversation_id, message_id = await customer_writes(seller.tenant_id, seller.account_id, "Czy jest rozmiar M?")
    draft = await replies.create_ai_reply(seller.tenant_id, message_id, "Tak, jest.")
    listed = (await gateway.get(f"{API}/conversations", headers=seller.headers, params={"needsHuman": "true"})).json()
    assert [c["id"] for c in listed["items"]] == [str(conversation_id)]

    edited = await gateway.patch(f"{API}/replies/{draft.id}", headers=seller.headers,
                                 json={"text": "Tak, rozmiar M jest dostępny."})
    assert edited.status_code == 200 and edited.json()["content"] == "Tak, rozmiar M jest dostępny."
    approvals = await asyncio.gather(*(gateway.post(f"{API}/replies/{draft.id}/approve", headers=seller.headers)
                                       for _ in range(2)))
    assert [a.status_code for a in approvals] == [200, 200]

    sent = await reply_status(gateway, seller, conversation_id, draft.id)
    assert sent["status"] == "sent" and sent["deliveryAttempts"] == 1 and sent["deliveredAt"]
    again = await gateway.post(f"{API}/replies/{draft.id}/approve", headers=seller.headers)
    late_edit = await gateway.patch(f"{API}/replies/{draft.id}", headers=seller.headers, json={"text": "x"})
    assert again.status_code == 200 and late_edit.status_code == 409 and "sent" in late_edit.json()["detail"]
    await asyncio.sleep(1)
    assert [c.body["text"] for c in receiver.deliveries] == ["Tak, rozmiar M jest dostępny."]
    assert len([c for c in receiver.calls if c.method == "POST"]) == 1


async def test_manual_reply_replaces_the_ai_draft_and_takeover_pauses_the_ai(gateway, receiver, worker):
    seller = await sign_up(gateway, receiver)
    conversation_id, message_id = await customer_writes(seller.tenant_id, seller.account_id, "Chcę zwrócić buty.")
    draft = await replies.create_ai_reply(seller.tenant_id, message_id, "Wersja AI")

    taken = await gateway.post(f"{API}/conversations/{conversation_id}/take-over", headers=seller.headers)
    assert taken.status_code == 200 and taken.json()["aiPaused"] is True
    _, second_message = await customer_writes(seller.tenant_id, seller.account_id, "Halo?")
    with pytest.raises(replies.StateConflict):
        await replies.create_ai_reply(seller.tenant_id, second_message, "AI nie powinno odpowiadać")

    manual = await gateway.post(f"{API}/conversations/{conversation_id}/replies", headers=seller.headers,
                                json={"text": "Proszę odesłać buty na nasz adres.", "inReplyToMessageId": str(message_id)})
    assert manual.status_code == 201, manual.text
    assert manual.json()["senderType"] == "agent" and manual.json()["inReplyToId"] == str(message_id)
    await reply_status(gateway, seller, conversation_id, manual.json()["id"])
    detail = (await gateway.get(f"{API}/conversations/{conversation_id}", headers=seller.headers)).json()
    statuses = {m["id"]: m["status"] for m in detail["messages"]["items"]}
    assert statuses[str(draft.id)] == "discarded" and statuses[manual.json()["id"]] == "sent"

    back = await gateway.post(f"{API}/conversations/{conversation_id}/hand-back", headers=seller.headers)
    assert back.json()["aiPaused"] is False and back.json()["aiMode"] is None
    assert [c.body["text"] for c in receiver.deliveries] == ["Proszę odesłać buty na nasz adres."]


async def test_refused_delivery_is_a_dead_letter_visible_to_the_seller(gateway, receiver, worker):
    receiver.respond_with(403)
    seller = await sign_up(gateway, receiver)
    conversation_id, _ = await customer_writes(seller.tenant_id, seller.account_id, "Dzień dobry")
    manual = await gateway.post(f"{API}/conversations/{conversation_id}/replies", headers=seller.headers,
                                json={"text": "Dzień dobry, w czym pomóc?"})
    failed = await reply_status(gateway, seller, conversation_id, manual.json()["id"])
    assert failed["status"] == "failed" and "HTTP 403" in failed["deliveryError"]
    needs = (await gateway.get(f"{API}/conversations", headers=seller.headers, params={"needsHuman": "true"})).json()
    assert [c["id"] for c in needs["items"]] == [str(conversation_id)]
    cleared = await gateway.post(f"{API}/replies/{manual.json()['id']}/discard", headers=seller.headers)
    assert cleared.status_code == 200 and cleared.json()["status"] == "discarded"


async def test_other_sellers_conversations_are_invisible_through_every_endpoint(gateway, receiver):
    owner, stranger = await sign_up(gateway, receiver), await sign_up(gateway, receiver)
    conversation_id, message_id = await customer_writes(owner.tenant_id, owner.account_id, "Tajne pytanie",
                                                        customer="Zofia Tajemnicza")
    draft = await replies.create_ai_reply(owner.tenant_id, message_id, "Tajna odpowiedź")
    c, r, h = f"{API}/conversations/{conversation_id}", f"{API}/replies/{draft.id}", stranger.headers

    responses = [
        await gateway.get(c, headers=h), await gateway.get(f"{c}/messages", headers=h),
        await gateway.post(f"{c}/replies", headers=h, json={"text": "hej"}),
        await gateway.patch(r, headers=h, json={"text": "hej"}),
        await gateway.post(f"{r}/approve", headers=h), await gateway.post(f"{r}/discard", headers=h),
        *[await gateway.post(f"{c}/{action}", headers=h) for action in ("take-over", "hand-back", "resolve", "reopen")],
    ]
    assert [x.status_code for x in responses] == [404] * len(responses)
    assert len({x.json()["detail"] for x in responses[:2]}) == 1  # same words as for an id that never existed
    assert (await gateway.get(f"{API}/conversations/{uuid.uuid4()}", headers=h)).json() == responses[0].json()
    for params in ({}, {"q": "Zofia"}, {"q": "Tajne"}, {"needsHuman": "true"}):
        assert (await gateway.get(f"{API}/conversations", headers=h, params=params)).json()["items"] == []

    mine = (await gateway.get(c, headers=owner.headers)).json()
    assert mine["conversation"]["status"] == "open" and mine["conversation"]["aiPaused"] is False
    assert [m["status"] for m in mine["messages"]["items"]] == ["received", "draft"]


async def test_bad_input_gets_clear_4xx(gateway, receiver):
    seller = await sign_up(gateway, receiver)
    conversation_id, message_id = await customer_writes(seller.tenant_id, seller.account_id, "Pytanie")
    other_conversation, other_message = await customer_writes(seller.tenant_id, seller.account_id, "Inne",
                                                               thread="chat-2")
    h, c = seller.headers, f"{API}/conversations/{conversation_id}"
    bad = {
        "cursor": await gateway.get(f"{API}/conversations", headers=h, params={"cursor": "nie-kursor"}),
        "limit": await gateway.get(f"{API}/conversations", headers=h, params={"limit": 0}),
        "status": await gateway.get(f"{API}/conversations", headers=h, params={"status": "zamknięte"}),
        "platform": await gateway.get(f"{API}/conversations", headers=h, params={"platform": "myspace"}),
        "needsHuman": await gateway.get(f"{API}/conversations", headers=h, params={"needsHuman": "może"}),
        "q": await gateway.get(f"{API}/conversations", headers=h, params={"q": "x" * 201}),
        "empty": await gateway.post(f"{c}/replies", headers=h, json={"text": "   "}),
        "long": await gateway.post(f"{c}/replies", headers=h, json={"text": "x" * 10_001}),
        "json": await gateway.post(f"{c}/replies", headers={**h, "content-type": "application/json"}, content=b"{"),
        "unknown": await gateway.post(f"{c}/replies", headers=h, json={"text": "a", "sendAt": "jutro"}),
        "wrongThread": await gateway.post(f"{c}/replies", headers=h,
                                          json={"text": "a", "inReplyToMessageId": str(other_message)}),
        "msgCursor": await gateway.get(f"{c}/messages", headers=h, params={"cursor": "e30"}),
    }
    for name, response in bad.items():
        assert response.status_code == 400, (name, response.status_code, response.text)
        assert response.json()["detail"], name
    assert (await gateway.get(f"{API}/conversations/not-a-uuid", headers=h)).status_code in (400, 404)
    assert (await gateway.get(f"{API}/conversations")).status_code == 401
    assert (await gateway.post(f"{c}/replies", json={"text": "a"})).status_code == 401

    await replies.create_ai_reply(seller.tenant_id, message_id, "Szkic")
    second = await replies.create_ai_reply(seller.tenant_id, other_message, "Szkic 2")
    await gateway.post(f"{API}/replies/{second.id}/discard", headers=h)
    approve_discarded = await gateway.post(f"{API}/replies/{second.id}/approve", headers=h)
    assert approve_discarded.status_code == 409 and "discarded" in approve_discarded.json()["detail"]
    assert other_conversation != conversation_id


async def test_openapi_documents_the_inbox(gateway):
    schema = (await gateway.get(f"{API}/schema/openapi.json")).json()
    assert {"/conversations", "/conversations/{conversation_id}", "/replies/{reply_id}/approve",
            "/conversations/{conversation_id}/take-over"} <= set(schema["paths"])
    assert schema["servers"][0]["url"] == API
