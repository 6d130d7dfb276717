"""One entry point for polling an account, whatever its platform; at most one run per account at a time."""

from __future__ import annotations

import logging
from uuid import UUID

from shared.channels.allegro.sync import sync_allegro
from shared.channels.connection import load_connection, sync_targets
from shared.channels.errors import NotConnected
from shared.channels.olx.sync import sync_olx
from shared.channels.ratelimit import channel_redis
from shared.tenancy.keys import TenantKeys

__all__ = ["sync_account", "sync_targets"]
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
