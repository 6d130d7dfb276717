"""Every route of every function, called by seller A with seller B's ids: never a 2xx, never a 5xx,
nothing of B's in the answer, and B's data unchanged afterwards.

Routes come from each function's own OpenAPI document, so a new route is tried automatically; a
route whose id parameter this suite cannot fill with one of B's ids fails the suite until it can.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from datetime import UTC, datetime

import pytest

from shared.channels.tables import ChannelAccount
from shared.conversations.tables import Conversation, Message
from shared.events.tables import EventDelivery
from shared.tenancy.db import tenant_tx
from tests.hostile.conftest import FUNCTIONS, PASSWORD
from tests.webhooks.support import add_channel, signed_headers

pytestmark = pytest.mark.integration

G = "/function"
SECRET_MARK = f"B-only-{uuid.uuid4().hex[:8]}"  # appears in B's texts; must never reach A
BODIES = {  # a valid body per (function, method, path), so the request reaches the ownership check
    ("auth", "PATCH", "/members/{user_id}"): {"role": "admin"},
    ("conversations", "POST", "/conversations/{conversation_id}/replies"): {"text": "Odpowiedź A"},
    ("conversations", "PATCH", "/replies/{reply_id}"): {"text": "Zmiana A"},
    ("kb", "PATCH", "/answers/{answer_id}"): {"answer": "Nadpisane przez A"},
    ("ai", "PATCH", "/event-webhooks/{endpoint_id}"): {"enabled": False, "description": "A was here"},
}


@pytest.fixture(scope="module")
async def victim(gateway, other_seller):
    """Seller B with one of everything, created through B's own API where there is one."""
    b = other_seller
    ids: dict[str, str] = {"tenant_id": str(b.tenant_id), "user_id": str(b.user_id)}
    for _ in range(10):  # 503 + Retry-After while the shared embedding server is busy: retry, as a client does
        answer = await gateway.post(f"{G}/kb/answers", headers=b.headers, json={
            "question": f"Czy wysyłacie za granicę? {SECRET_MARK}", "answer": f"Tak {SECRET_MARK}"})
        if answer.status_code != 503:
            break
        await asyncio.sleep(int(answer.headers["retry-after"]))
    assert answer.status_code == 201, answer.text
    ids["answer_id"] = answer.json()["id"]
    document = await gateway.post(f"{G}/kb/documents", headers=b.headers,
                                  files={"file": (f"{SECRET_MARK}.txt", f"Zwroty 14 dni {SECRET_MARK}".encode(), "text/plain")})
    assert document.status_code == 202, document.text
    ids["document_id"] = document.json()["id"]
    invite = await gateway.post(f"{G}/auth/members/invites", headers=b.headers,
                                json={"email": f"{SECRET_MARK.lower()}@example.pl"})
    assert invite.status_code == 201, invite.text
    ids["invite_id"] = invite.json()["id"]
    secret = "b-secret-" + uuid.uuid4().hex
    channel = await add_channel(b.tenant_id, "generic", {"webhookSecret": secret},
                                settings={"callbackUrl": "https://shop.example.pl/hook"})
    ids["account_id"] = ids["channel_account_id"] = str(channel)
    conversation_id, message_id, reply_id = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    async with tenant_tx(b.tenant_id):
        await Conversation.insert(Conversation(
            id=conversation_id, tenant_id=b.tenant_id, channel_account_id=channel, platform="generic",
            platform_conversation_id=f"thread-{uuid.uuid4().hex[:8]}", customer_name=f"Klient {SECRET_MARK}"))
        await Message.insert(
            Message(id=message_id, tenant_id=b.tenant_id, conversation_id=conversation_id, direction="inbound",
                    sender_type="customer", content=f"Gdzie paczka? {SECRET_MARK}", platform_message_id="m-1",
                    sent_at=datetime.now(UTC)),
            Message(id=reply_id, tenant_id=b.tenant_id, conversation_id=conversation_id, direction="outbound",
                    sender_type="bot", content=f"Szkic {SECRET_MARK}", status="draft", in_reply_to_id=message_id))
    ids.update(conversation_id=str(conversation_id), reply_id=str(reply_id))
    endpoint = await gateway.post(f"{G}/ai/event-webhooks", headers=b.headers, json={
        "url": "https://hooks.example.pl/b", "eventTypes": ["reply.sent"], "description": f"B {SECRET_MARK}"})
    assert endpoint.status_code == 201, endpoint.text
    ids["endpoint_id"] = endpoint.json()["endpoint"]["id"]
    delivery = EventDelivery(tenant_id=b.tenant_id, endpoint_id=uuid.UUID(ids["endpoint_id"]), event_id=uuid.uuid4(),
                             event_type="reply.sent", data={"replyId": str(reply_id)}, status="failed", attempts=13)
    async with tenant_tx(b.tenant_id):
        await delivery.save()
    ids["delivery_id"] = str(delivery.id)
    return ids, secret


async def snapshot(gateway, b) -> str:
    """What B sees of B's data: must be identical before and after A's attempts."""
    parts = [
        (await gateway.get(f"{G}/kb/answers", headers=b.headers)).json(),
        [{k: d[k] for k in ("id", "title", "filename")} for d in
         (await gateway.get(f"{G}/kb/documents", headers=b.headers)).json()["items"]],
        (await gateway.get(f"{G}/auth/members", headers=b.headers)).json(),
        (await gateway.get(f"{G}/auth/members/invites", headers=b.headers)).json(),
        [{k: a[k] for k in ("id", "status")} for a in (await gateway.get(f"{G}/channels/accounts", headers=b.headers)).json()["items"]],
        (await gateway.get(f"{G}/ai/event-webhooks", headers=b.headers)).json(),
        (await gateway.get(f"{G}/ai/event-deliveries", headers=b.headers)).json(),
    ]
    conversations = (await gateway.get(f"{G}/conversations/conversations", headers=b.headers)).json()["items"]
    for conversation in conversations:
        detail = (await gateway.get(f"{G}/conversations/conversations/{conversation['id']}", headers=b.headers)).json()
        view = detail["conversation"]
        parts.append({"status": view.get("status"), "aiMode": view.get("aiMode"),
                      "messages": [(m["id"], m["content"], m["status"]) for m in detail["messages"]["items"]]})
    return json.dumps(parts, sort_keys=True, default=str)


async def operations(gateway) -> list[tuple[str, str, str, list[str]]]:
    found = []
    for name in FUNCTIONS:
        document = (await gateway.get(f"{G}/{name}/schema/openapi.json")).json()
        for path, item in document["paths"].items():
            params = re.findall(r"{(\w+)}", path)
            for method in item:
                if method.upper() in ("GET", "POST", "PUT", "PATCH", "DELETE") and params:
                    found.append((name, method.upper(), path, params))
    return found


async def test_every_route_refuses_another_sellers_ids(gateway, seller, other_seller, victim):
    ids, b_secret = victim
    before = await snapshot(gateway, other_seller)
    tried, answered = 0, []
    for name, method, path, params in await operations(gateway):
        missing = [p for p in params if p not in ids]
        assert not missing, f"{name} {method} {path}: no id of seller B for {missing}; add one to the victim fixture"
        url = G + f"/{name}" + path.format(**{p: ids[p] for p in params})
        body = BODIES.get((name, method, path))
        headers = dict(seller.headers)
        content = json.dumps(body if body is not None else {}).encode()
        if name == "webhooks":  # signed with a secret that is not B's: the other seller's own, say
            headers |= signed_headers("a-secret-not-bs", content)
        response = await gateway.request(method, url, headers={**headers, "content-type": "application/json"},
                                         content=content if method != "GET" else None)
        tried += 1
        answered.append((name, method, path, response.status_code))
        assert response.status_code < 500, f"{name} {method} {path} → {response.status_code}: {response.text[:300]}"
        assert not 200 <= response.status_code < 300, f"{name} {method} {path} → {response.status_code} with B's ids"
        assert SECRET_MARK not in response.text and b_secret not in response.text, f"{name} {method} {path} leaked"
    assert tried >= 20, answered  # every function with id routes took part
    assert await snapshot(gateway, other_seller) == before


async def test_lists_never_show_another_sellers_rows(gateway, seller, victim):
    for path in ("/kb/answers", "/kb/documents", "/auth/members", "/auth/members/invites", "/channels/accounts",
                 "/conversations/conversations", f"/conversations/conversations?q={SECRET_MARK}",
                 "/ai/event-webhooks", "/ai/event-deliveries"):
        response = await gateway.get(G + path, headers=seller.headers)
        assert response.status_code == 200, f"{path}: {response.text}"
        assert SECRET_MARK not in response.text, path
    search = await gateway.post(f"{G}/kb/search", headers=seller.headers, json={"query": "Zwroty 14 dni", "k": 5})
    assert search.status_code in (200, 503) and SECRET_MARK not in search.text


async def test_another_sellers_token_is_no_key_to_a_workspace(gateway, seller, other_seller):
    switched = await gateway.post(f"{G}/auth/switch-tenant", headers=seller.headers,
                                  json={"tenantId": str(other_seller.tenant_id)})
    assert switched.status_code == 403
    login = await gateway.post(f"{G}/auth/login", json={"email": seller.email, "password": PASSWORD,
                                                        "tenantId": str(other_seller.tenant_id)})
    assert login.status_code == 403
