"""Polling actors: ``channels.schedule_sync`` fans out, ``channels.sync_account`` polls one account."""

from __future__ import annotations

import logging

import dramatiq

from shared.channels import sync
from shared.channels.errors import ConnectionDead, PlatformRejected, PlatformUnavailable, RateLimited

QUEUE = "channels"
logger = logging.getLogger("bokai.channels")


def _retry_when(retries: int, exception: BaseException) -> bool:
    # Transient platform trouble is retried with Dramatiq's backoff; the watermark did not move,
    # so the retry (or the next scheduled run) reads the same window again and loses nothing.
    return retries < 5 and isinstance(exception, RateLimited | PlatformUnavailable)


@dramatiq.actor(actor_name="channels.sync_account", queue_name=QUEUE, retry_when=_retry_when,
                min_backoff=15_000, max_backoff=300_000, time_limit=600_000)
async def sync_account(tenant_id: str, account_id: str) -> None:
    try:
        await sync.sync_account(tenant_id, account_id)
    except (ConnectionDead, PlatformRejected) as error:
        # Already surfaced on the account (dead) or not retryable; the next schedule tries again.
        logger.warning("sync of account %s stopped: %s", account_id, type(error).__name__)


@dramatiq.actor(actor_name="channels.schedule_sync", queue_name=QUEUE, max_retries=3)
async def schedule_sync() -> None:
    logger.info("scheduled sync of %d accounts", await sync.stage_sync_round())
