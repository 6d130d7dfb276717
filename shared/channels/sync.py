"""One entry point for polling an account, whatever its platform; at most one run per account at a time."""

from __future__ import annotations

import logging
from collections import defaultdict
from uuid import UUID

from shared.channels.allegro.sync import sync_allegro
from shared.channels.connection import SYNC_ACTOR, load_connection, sync_targets
from shared.channels.errors import NotConnected
from shared.channels.olx.sync import sync_olx
from shared.channels.ratelimit import channel_redis
from shared.outbox.staging import Job, publish, stage
from shared.tenancy.db import tenant_tx
from shared.tenancy.keys import TenantKeys

__all__ = ["stage_sync_round", "sync_account", "sync_targets"]
logger = logging.getLogger("bokai.channels")
# Longer than any healthy run; a crashed run's lock expires by itself.
RUN_LOCK_SECONDS = 600
POLLERS = {"allegro": sync_allegro, "olx": sync_olx}


async def sync_account(tenant_id: UUID | str, account_id: UUID | str) -> object | None:
    """Poll the account unless another run holds it; disconnected or errored accounts are skipped."""
    try:
        connection = await load_connection(tenant_id, account_id)
    except NotConnected:
        return None
    poller = POLLERS.get(connection.platform)
    if poller is None:
        return None
    keys = TenantKeys(await channel_redis(), connection.tenant_id)
    lock = f"channels:sync-running:{connection.account_id}"
    # Overlapping schedules would poll the same account twice and race on its refresh token.
    if not await keys.set(lock, b"1", ttl_seconds=RUN_LOCK_SECONDS, only_if_new=True):
        logger.info("sync of %s already running; skipped", connection.account_id)
        return None
    try:
        return await poller(connection.tenant_id, connection.account_id)
    finally:
        await keys.delete(lock)


async def stage_sync_round() -> int:
    """Stage one poll per connected polled account, then publish them; returns how many.

    Through the outbox, not a direct enqueue: that one waits while Redis is away, which on the
    worker's shared event loop would freeze every async actor and the relay with it. The outbox is
    a tenant table (row-level security), so each seller's jobs are staged in their own transaction.
    """
    by_tenant: dict[UUID, list[UUID]] = defaultdict(list)
    for tenant_id, account_id in await sync_targets():
        by_tenant[tenant_id].append(account_id)
    jobs: list[Job] = []
    for tenant_id, accounts in by_tenant.items():
        async with tenant_tx(tenant_id):
            jobs += [await stage(tenant_id, *SYNC_ACTOR, str(tenant_id), str(account)) for account in accounts]
    await publish(*jobs)
    return len(jobs)
