"""Event actors (queue "events", apart from replies so a slow receiver never delays a reply)."""

from __future__ import annotations

from uuid import UUID

import dramatiq

from shared.events.delivery import RetryLater, deliver, give_up
from shared.events.emit import stage_event
from shared.events.settings import event_settings
from shared.outbox.staging import publish
from shared.tenancy.db import tenant_tx, tx_connection

QUEUE = "events"


def _retry_when(retries: int, exception: BaseException) -> bool:
    # Read per call (not at import) so operators and tests can change the limit without a redeploy.
    return retries < event_settings().max_retries


@dramatiq.actor(actor_name="events.deliver", queue_name=QUEUE, retry_when=_retry_when, min_backoff=5_000,
                max_backoff=60 * 60 * 1000, time_limit=2 * 60 * 1000, on_retry_exhausted="events.delivery_gave_up")
async def deliver_event(tenant_id: str, delivery_id: str) -> None:
    try:
        await deliver(tenant_id, delivery_id)
    except RetryLater as later:
        # dramatiq.Retry carries our backoff and is not logged as an error.
        raise dramatiq.Retry(str(later), delay=later.delay_ms) from None


@dramatiq.actor(actor_name="events.delivery_gave_up", queue_name=QUEUE, max_retries=5, min_backoff=5_000)
async def delivery_gave_up(message_data: dict, retry_info: dict) -> None:
    tenant_id, delivery_id = message_data["args"][:2]
    await give_up(tenant_id, delivery_id)


@dramatiq.actor(actor_name="events.channel_broken", queue_name=QUEUE, max_retries=10, min_backoff=2_000)
async def channel_broken(tenant_id: str, account_id: str, event_id: str) -> None:
    """Staged by name by the channels domain (it never imports this one) in the transaction that marked
    the connection dead; ``event_id`` makes a repeated job one event."""
    async with tenant_tx(tenant_id):
        account = await tx_connection().fetchrow(
            "SELECT platform, status, updated_at FROM channel_accounts WHERE id = $1", UUID(account_id))
        if account is None or account["status"] != "error":
            return  # reconnected or deleted since: nothing is broken any more
        jobs = await stage_event(UUID(tenant_id), "channel.broken", {
            "channelAccountId": account_id, "platform": account["platform"], "reason": "connection_dead",
            "brokenAt": account["updated_at"]}, event_id=UUID(event_id))
    await publish(*jobs)
