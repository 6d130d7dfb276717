"""Run as its own process with REDIS_BROKER_URL pointing at a Redis that is gone (or frozen): one
action of the app whose enqueue cannot reach the job queues. Prints one JSON line with what the caller got back.

    python -m tests.outbox.cut_off email <tenant> <account> <token> <message-id>
    python -m tests.outbox.cut_off approve <tenant> <user> <reply>
    python -m tests.outbox.cut_off olx_callback <code> <state>
"""

from __future__ import annotations

import asyncio
import json
import sys
from uuid import UUID


async def email(tenant: str, account: str, token: str, message_id: str) -> dict:
    from functions.webhooks.handler import app
    from tests.support import serve

    raw = (f"From: Jan Kowalski <jan@example.pl>\r\nTo: sklep@example.pl\r\nSubject: Paczka\r\n"
           f"Message-ID: {message_id}\r\nDate: Thu, 20 Nov 2026 10:15:00 +0100\r\n"
           "Content-Type: text/plain; charset=utf-8\r\n\r\nDzień dobry, gdzie jest moja paczka?\r\n").encode()
    async with serve(app, timeout=120) as client:
        response = await client.post(f"/email/{tenant}/{account}", content=raw,
                                     headers={"authorization": f"Bearer {token}", "content-type": "message/rfc822"})
    return {"status": response.status_code, "body": response.json()}


async def approve(tenant: str, user: str, reply: str) -> dict:
    from shared.conversations.replies import approve as approve_reply
    from shared.infra.postgres import close_pool, open_pool

    await open_pool()
    try:
        view = await approve_reply(UUID(tenant), UUID(user), UUID(reply))
    finally:
        await close_pool()
    return {"status": view.status}


async def olx_callback(code: str, state: str) -> dict:
    """OLX sends the seller back with a single-use code: the channels function completes the connection."""
    from functions.channels.handler import app
    from tests.support import serve

    async with serve(app, timeout=120) as client:
        response = await client.get("/olx/callback", params={"code": code, "state": state})
    return {"status": response.status_code, "body": response.json()}


if __name__ == "__main__":
    action, *args = sys.argv[1:]
    result = asyncio.run({"email": email, "approve": approve, "olx_callback": olx_callback}[action](*args))
    print(json.dumps(result), flush=True)
