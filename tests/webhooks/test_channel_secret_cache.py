"""The webhook function keeps decrypted channel secrets between requests (shared/inbox/channels.py);
a disconnect or a replaced secret applies to the very next request, and the copy never crosses sellers."""

from __future__ import annotations

import json
import uuid

import pytest

from shared.channels import service as channels
from shared.channels.connection import save_connected_account
from shared.channels.credentials import CredentialCipher
from shared.channels.tables import ChannelAccount
from shared.tenancy.db import tenant_tx
from tests.tenancy.seed import seed_tenant
from tests.webhooks.support import signed_headers

pytestmark = pytest.mark.integration


def _body() -> bytes:
    return json.dumps({"messageId": f"m-{uuid.uuid4().hex[:10]}", "conversationId": "chat-7",
                       "text": "Czy wysyłacie do paczkomatu?", "sentAt": "2026-11-20T10:15:00+01:00"}).encode()


async def _post(webhooks, tenant_id, account_id, secret) -> int:
    body = _body()
    answer = await webhooks.post(f"/channels/{tenant_id}/{account_id}/messages", content=body,
                                 headers=signed_headers(secret, body))
    return answer.status_code


async def _replace_secret_without_telling_anyone(tenant_id, account_id, secret: str) -> None:
    async with tenant_tx(tenant_id):
        await ChannelAccount.update({ChannelAccount.credentials_encrypted: CredentialCipher().encrypt(
            tenant_id, account_id, {"webhookSecret": secret})}).where(ChannelAccount.id == account_id)


async def test_a_disconnected_channel_is_refused_at_once_although_its_secret_was_cached(webhooks, generic_channel):
    tenant_id, account_id, secret = generic_channel
    assert await _post(webhooks, tenant_id, account_id, secret) == 202  # now cached
    assert await channels.disconnect(tenant_id, account_id)
    assert await _post(webhooks, tenant_id, account_id, secret) == 404


async def test_the_copy_is_dropped_by_the_version_bump_of_a_reconnect(webhooks, generic_channel):
    tenant_id, account_id, secret = generic_channel
    assert await _post(webhooks, tenant_id, account_id, secret) == 202
    # Changed behind the cache's back: the cached copy still answers (this is what saves the round trips) ...
    await _replace_secret_without_telling_anyone(tenant_id, account_id, "rotated-secret")
    assert await _post(webhooks, tenant_id, account_id, secret) == 202
    # ... until a change made the way the code makes it bumps the channel's version.
    async with tenant_tx(tenant_id):
        external = (await ChannelAccount.select(ChannelAccount.external_account_id)
                    .where(ChannelAccount.id == account_id).first())["external_account_id"]
    await save_connected_account(tenant_id, platform="generic", external_account_id=external, display_name=None,
                                 credentials={"webhookSecret": "rotated-again"})
    assert await _post(webhooks, tenant_id, account_id, secret) == 401
    assert await _post(webhooks, tenant_id, account_id, "rotated-again") == 202


async def test_a_cached_channel_is_not_found_under_another_sellers_tenant_id(webhooks, generic_channel):
    tenant_id, account_id, secret = generic_channel
    other = await seed_tenant("hooks-cache-other")
    assert await _post(webhooks, tenant_id, account_id, secret) == 202
    assert await _post(webhooks, other.tenant_id, account_id, secret) == 404
