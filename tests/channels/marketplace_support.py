"""End-to-end helpers for the per-marketplace tests: the gateway with auth, channels and webhooks, a
seller signed up through it, inbound mail posted like a mail provider does, and the inbox processed."""

from __future__ import annotations

import uuid
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from datetime import datetime, timezone

import pytest

from functions.auth.handler import app as auth_app
from functions.channels.handler import app as channels_app
from functions.webhooks.handler import app as webhooks_app
from shared.conversations.tables import Conversation, Message
from shared.gateway.dispatcher import FunctionGateway
from shared.inbox.processing import process_event
from shared.inbox.tables import InboxEvent
from shared.tenancy.db import tenant_tx
from tests.support import serve

G = "/function"
PASSWORD = "Zielona-Herbata-42"


@pytest.fixture
async def gateway(db_pool):
    async with serve(FunctionGateway({"auth": auth_app, "channels": channels_app, "webhooks": webhooks_app}),
                     timeout=30) as client:
        yield client


async def sign_up(gateway, company: str) -> tuple[uuid.UUID, dict[str, str]]:
    response = await gateway.post(f"{G}/auth/register", json={
        "email": f"mk-{uuid.uuid4().hex[:10]}@example.pl", "password": PASSWORD, "companyName": company})
    assert response.status_code == 201, response.text
    body = response.json()
    return uuid.UUID(body["tenant"]["id"]), {"Authorization": f"Bearer {body['accessToken']}"}


def smtp_fields(peer, address: str) -> dict:
    return {"senderAddress": address, "smtpHost": peer.host, "smtpPort": peer.port, "smtpSecurity": "none",
            "smtpUser": peer.username, "smtpPassword": peer.password}


def raw_mail(sender: str, to: str, subject: str, text: str, *, name: str | None = None,
             reply_to: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = f"{name} <{sender}>" if name else sender
    message["To"] = to
    if reply_to:
        message["Reply-To"] = reply_to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime.now(timezone.utc))
    message["Message-ID"] = make_msgid(domain="mail.example")
    message.set_content(text)
    return message.as_bytes()


async def post_mail(gateway, tenant_id, account_id, token: str, raw: bytes) -> None:
    response = await gateway.post(f"{G}/webhooks/email/{tenant_id}/{account_id}", content=raw,
                                  headers={"Authorization": f"Bearer {token}", "content-type": "message/rfc822"})
    assert response.status_code == 202, response.text


async def process_inbox(tenant_id) -> list[str]:
    """Process every event of the seller still waiting, like the inbox actor does; their final statuses."""
    async with tenant_tx(tenant_id):
        waiting = await InboxEvent.select(InboxEvent.id).where(InboxEvent.status == "received").order_by(
            InboxEvent.received_at)
    return [await process_event(str(tenant_id), str(row["id"])) for row in waiting]


async def customer_messages(tenant_id) -> list[dict]:
    async with tenant_tx(tenant_id):
        return await Message.select(
            Message.id, Message.content, Message.meta, Message.conversation_id.platform,
            Message.conversation_id.customer_name, Message.conversation_id.channel_account_id,
        ).where(Message.direction == "inbound").order_by(Message.created_at).output(load_json=True)


async def conversation(tenant_id, conversation_id) -> dict:
    async with tenant_tx(tenant_id):
        return await Conversation.select().where(Conversation.id == conversation_id).first()


async def connect_allegro(gateway, tenant_id, seller, fake) -> str:
    """The device flow through the API, the seller approving at once; the new account's id."""
    import msgspec

    from shared.infra.redis import redis_client

    flow = (await gateway.post(f"{G}/channels/allegro/device", headers=seller)).json()
    fake.approve_device(flow["userCode"])
    fake.devices[next(d for d, v in fake.devices.items() if v.get("user_code") == flow["userCode"])]["last_poll"] = 0
    [key] = await redis_client().keys(f"t:{tenant_id}:channels:allegro-device:{flow['flowId']}")
    state = msgspec.json.decode(await redis_client().get(key))
    await redis_client().set(key, msgspec.json.encode({**state, "nextPollAt": 0}), ex=600)  # the seller took a while
    done = (await gateway.post(f"{G}/channels/allegro/device/poll", headers=seller,
                               json={"flowId": flow["flowId"]})).json()
    assert done["status"] == "connected", done
    return done["account"]["id"]


async def connect_olx(gateway, seller, fake) -> str:
    from urllib.parse import parse_qs, urlparse

    started = (await gateway.post(f"{G}/channels/olx/connect", headers=seller)).json()
    query = {k: v[0] for k, v in parse_qs(urlparse(started["authorizeUrl"]).query).items()}
    code = fake.user_approves(query["redirect_uri"])
    done = await gateway.get(f"{G}/channels/olx/callback", params={"code": code, "state": query["state"]})
    assert done.status_code == 200, done.text
    return done.json()["id"]
