"""Reply delivery actors: thin, idempotent, ids only (queue "replies").

The queue's other actor, ``replies.handle_customer_message`` (the seam a new customer message
enqueues), belongs to the AI and lives in shared/ai/actors.py.
"""

from __future__ import annotations

import dramatiq

from shared.conversations.delivery import DeliveryBusy, RetryLater, deliver, delivery_settings, give_up

QUEUE = "replies"


def _retry_when(retries: int, exception: BaseException) -> bool:
    # Read per call (not at import) so operators and tests can change the limit without a redeploy.
    return retries < delivery_settings().max_retries


@dramatiq.actor(actor_name="replies.deliver", queue_name=QUEUE, retry_when=_retry_when,
                min_backoff=2_000, max_backoff=15 * 60 * 1000, time_limit=2 * 60 * 1000,
                on_retry_exhausted="replies.delivery_gave_up")
async def deliver_reply(tenant_id: str, message_id: str) -> None:
    try:
        await deliver(tenant_id, message_id)
    except RetryLater as later:
        # dramatiq.Retry carries our delay (Retry-After, exponential backoff) and is not logged as an error.
        raise dramatiq.Retry(str(later), delay=later.delay_ms) from None
    except DeliveryBusy:
        raise dramatiq.Retry("another attempt is running", delay=5_000) from None


@dramatiq.actor(actor_name="replies.delivery_gave_up", queue_name=QUEUE, max_retries=5, min_backoff=5_000)
async def delivery_gave_up(message_data: dict, retry_info: dict) -> None:
    tenant_id, message_id = message_data["args"][:2]
    await give_up(tenant_id, message_id, int(retry_info.get("retries", 0)))

