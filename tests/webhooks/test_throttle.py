"""One sender cannot shut out others (issue 22): failed webhook calls are counted per channel, after the
checks that need no body, and a refused caller's body is never read.

Every call here comes from one forwarding service's address (trusted ``X-Forwarded-For``), as many
sellers' mail and shop webhooks do; under the former per-address throttle one dead channel or one
forger on that address got every other seller's correctly signed messages refused with 429.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest

from functions.webhooks.handler import app as webhooks_app
from shared.channels import service as channels
from shared.channels.connection import save_connected_account
from shared.channels.tables import ChannelAccount
from shared.tenancy.db import tenant_tx
from tests.tenancy.seed import seed_tenant
from tests.webhooks.mails import first_mail
from tests.webhooks.support import add_channel, signed_headers

pytestmark = pytest.mark.integration
RELAY = {"x-forwarded-for": "203.0.113.25"}  # the shared forwarding service
LIMIT = 3
MB = 1024 * 1024


@pytest.fixture(autouse=True)
def small_limits(monkeypatch):
    monkeypatch.setenv("AUTH_TRUSTED_PROXY_HOPS", "1")
    monkeypatch.setenv("AUTH_WEBHOOK_MAX_FAILURES_PER_CHANNEL", str(LIMIT))
    monkeypatch.setenv("AUTH_WEBHOOK_MAX_FAILURES_PER_IP", str(LIMIT))


def message(**changes) -> bytes:
    return json.dumps({"messageId": f"m-{uuid.uuid4().hex}", "conversationId": "c-1", "text": "Dzień dobry",
                       "sentAt": "2026-11-20T10:15:00+01:00", **changes}).encode()


def mail(token: str) -> dict[str, str]:
    return {**RELAY, "authorization": f"Bearer {token}", "content-type": "message/rfc822"}


async def post_mail(webhooks, tenant_id, account_id, token: str):
    return await webhooks.post(f"/email/{tenant_id}/{account_id}", content=first_mail(f"<{uuid.uuid4().hex}@x.pl>"),
                               headers=mail(token))


async def test_a_disconnected_channel_forwarding_from_a_shared_address_shuts_out_only_itself(webhooks):
    gone_seller, other_seller = await seed_tenant("relay-gone"), await seed_tenant("relay-ok")
    gone = await add_channel(gone_seller.tenant_id, "email", {"inboundToken": "gone-token"})
    live = await add_channel(other_seller.tenant_id, "email", {"inboundToken": "live-token"})
    assert await channels.disconnect(gone_seller.tenant_id, gone)
    answers = [(await post_mail(webhooks, gone_seller.tenant_id, gone, "gone-token")).status_code
               for _ in range(LIMIT + 2)]
    assert answers == [404] * LIMIT + [429, 429]
    # Another seller's mail through the same forwarding address goes in, every time.
    for _ in range(LIMIT + 1):
        assert (await post_mail(webhooks, other_seller.tenant_id, live, "live-token")).status_code == 202
    throttled = await post_mail(webhooks, gone_seller.tenant_id, gone, "gone-token")
    assert int(throttled.headers["retry-after"]) > 0 and "this channel" in throttled.json()["detail"]
    # Ids naming nothing at all are a 404 each, and throttle nobody (no counter per guessed id).
    for _ in range(LIMIT + 1):
        assert (await post_mail(webhooks, uuid.uuid4(), uuid.uuid4(), "x")).status_code == 404


async def test_forged_calls_never_refuse_the_correctly_signed_ones(webhooks):
    seller = await seed_tenant("relay-forged")
    secret = "s3cret-" + uuid.uuid4().hex
    account = await add_channel(seller.tenant_id, "generic", {"webhookSecret": secret})
    url = f"/channels/{seller.tenant_id}/{account}/messages"
    forged = []
    for _ in range(LIMIT + 2):
        body = message()
        forged.append((await webhooks.post(url, content=body, headers={**signed_headers("guess", body), **RELAY}))
                      .status_code)
    assert forged == [401] * LIMIT + [429, 429]
    # The shop's own signed message, from the same address, past the channel's failure limit: accepted.
    body = message()
    accepted = await webhooks.post(url, content=body, headers={**signed_headers(secret, body), **RELAY})
    assert accepted.status_code == 202, accepted.text


async def test_a_reconnected_channel_starts_from_zero(webhooks):
    seller = await seed_tenant("relay-back")
    account = await add_channel(seller.tenant_id, "email", {"inboundToken": "old-token"})
    assert await channels.disconnect(seller.tenant_id, account)
    for _ in range(LIMIT + 1):
        await post_mail(webhooks, seller.tenant_id, account, "old-token")
    assert (await post_mail(webhooks, seller.tenant_id, account, "old-token")).status_code == 429
    async with tenant_tx(seller.tenant_id):
        external = (await ChannelAccount.select(ChannelAccount.external_account_id)
                    .where(ChannelAccount.id == account).first())["external_account_id"]
    await save_connected_account(seller.tenant_id, platform="email", external_account_id=external,
                                 display_name=None, credentials={"inboundToken": "new-token"})
    assert (await post_mail(webhooks, seller.tenant_id, account, "new-token")).status_code == 202


# --- the body of a refused caller is never read ---------------------------------------------------

async def call(path: str, headers: dict[str, str], size: int) -> tuple[int, dict[str, str], int]:
    """Drive the app over ASGI with a ``size``-byte body sent in 1 MB chunks, as a slow client would;
    (status, headers, bytes the app pulled)."""
    pulled, sent, answer = 0, 0, {}

    async def receive():
        nonlocal pulled, sent
        chunk = min(MB, size - sent)
        sent += chunk
        pulled += chunk
        return {"type": "http.request", "body": b"x" * chunk, "more_body": sent < size}

    async def send(message):
        if message["type"] == "http.response.start":
            answer["status"] = message["status"]
            answer["headers"] = {k.decode(): v.decode() for k, v in message["headers"]}

    raw_path, _, query = path.partition("?")
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": raw_path, "raw_path": raw_path.encode(), "root_path": "", "query_string": query.encode(),
             "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
             "client": ("127.0.0.1", 40000), "server": ("127.0.0.1", 8080)}
    await webhooks_app(scope, receive, send)
    return answer["status"], answer["headers"], pulled


async def test_a_refused_callers_20_mb_body_is_never_read(webhooks):
    seller = await seed_tenant("relay-big")
    live = await add_channel(seller.tenant_id, "email", {"inboundToken": "big-token"})
    gone = await add_channel(seller.tenant_id, "email", {"inboundToken": "gone-token"})
    shop = await add_channel(seller.tenant_id, "generic", {"webhookSecret": "shop-secret"})
    emag = await add_channel(seller.tenant_id, "emag", {"callbackToken": "emag-token"})
    old_shop = await add_channel(seller.tenant_id, "generic", {"webhookSecret": "old-secret"})
    assert await channels.disconnect(seller.tenant_id, gone)
    assert await channels.disconnect(seller.tenant_id, old_shop)
    for _ in range(LIMIT):
        await post_mail(webhooks, seller.tenant_id, gone, "gone-token")
        body = message()
        await webhooks.post(f"/channels/{seller.tenant_id}/{old_shop}/messages", content=body,
                            headers={**signed_headers("old-secret", body), **RELAY})
    big = 20 * MB  # within the e-mail route's limit: only the order of the checks keeps it unread
    chunked = {**RELAY, "content-type": "message/rfc822"}  # no Content-Length: only reading would tell the size
    stale = {**RELAY, "content-type": "application/json", "x-bokai-timestamp": str(int(time.time()) - 3600),
             "x-bokai-signature": "sha256=00"}
    cases = {
        "throttled channel": (f"/email/{seller.tenant_id}/{gone}",
                              {**chunked, "authorization": "Bearer gone-token"}, 429),
        "wrong token": (f"/email/{seller.tenant_id}/{live}", {**chunked, "authorization": "Bearer nope"}, 401),
        "no such channel": (f"/email/{seller.tenant_id}/{uuid.uuid4()}", {**chunked, "authorization": "Bearer x"}, 404),
        "stale signature": (f"/channels/{seller.tenant_id}/{shop}/messages", stale, 401),
        "throttled shop channel": (f"/channels/{seller.tenant_id}/{old_shop}/messages",
                                   {**signed_headers("old-secret", b"{}"), **RELAY}, 429),
        "wrong eMAG token": (f"/emag/{seller.tenant_id}/{emag}?order_id=412345678&token=nope", chunked, 401),
    }
    for name, (path, headers, status) in cases.items():
        answered, _, pulled = await call(path, headers, big)
        assert (answered, pulled) == (status, 0), name


async def test_an_accepted_callers_body_limit_is_enforced_while_reading(webhooks):
    seller = await seed_tenant("relay-limit")
    live = await add_channel(seller.tenant_id, "email", {"inboundToken": "big-token"})
    headers = {**RELAY, "content-type": "message/rfc822", "authorization": "Bearer big-token"}
    status, _, pulled = await call(f"/email/{seller.tenant_id}/{live}", headers, 40 * MB)
    assert status == 413 and pulled <= 21 * MB  # stops at the 20 MB limit, not at the end of the body
    declared = {**headers, "content-length": str(40 * MB)}
    status, _, pulled = await call(f"/email/{seller.tenant_id}/{live}", declared, 40 * MB)
    assert (status, pulled) == (413, 0)  # a declared size over the limit is refused unread
