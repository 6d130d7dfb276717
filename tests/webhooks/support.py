"""Helpers for webhook tests: a seller with channel accounts, signed requests, what sits in the queues."""

from __future__ import annotations

import time
import uuid
from uuid import UUID

import msgspec

from shared.broker import broker
from shared.channels.credentials import CredentialCipher
from shared.channels.tables import ChannelAccount
from shared.http.signatures import sign
from shared.tenancy.db import tenant_tx


async def add_channel(tenant_id: UUID, platform: str, credentials: dict, settings: dict | None = None) -> UUID:
    account_id = uuid.uuid4()
    async with tenant_tx(tenant_id):
        await ChannelAccount.insert(ChannelAccount(
            id=account_id, tenant_id=tenant_id, platform=platform, status="connected",
            external_account_id=f"{platform}-{account_id.hex[:8]}", settings=settings or {},
            credentials_encrypted=CredentialCipher().encrypt(tenant_id, account_id, credentials)))
    return account_id


def signed_headers(secret: str, body: bytes, *, timestamp: int | None = None) -> dict[str, str]:
    timestamp = int(time.time()) if timestamp is None else timestamp
    return {"content-type": "application/json", "x-bokai-timestamp": str(timestamp),
            "x-bokai-signature": sign(secret, timestamp, body)}


def queued_jobs(queue: str, actor_name: str, first_arg: str) -> list[tuple]:
    """Messages waiting in a Dramatiq Redis queue for ``actor_name`` whose first argument is ``first_arg``."""
    stored = broker.client.hgetall(f"{broker.namespace}:{queue}.msgs")
    jobs = [msgspec.json.decode(raw) for raw in stored.values()]
    return [tuple(j["args"]) for j in jobs if j["actor_name"] == actor_name and j["args"][:1] == [first_arg]]
