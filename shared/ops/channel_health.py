"""What the seller sees about each of their connections: is it working, and if not, why.

Computed when the channels API lists connections, from what already happened: the connection's own
status (a dead Allegro/OLX token sets 'error' with the reason), replies through it that could not
be delivered or are being retried (failing SMTP, a callback answering errors), and for polled
platforms how long ago messages were last fetched.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Literal
from uuid import UUID

import msgspec

from shared.tenancy.db import tx_connection

POLLED = ("allegro", "olx")
SYNC_LATE_MINUTES = 30

HealthState = Literal["ok", "degraded", "broken", "disconnected", "pending", "paused"]


class ChannelHealth(msgspec.Struct, kw_only=True, rename="camel"):
    state: HealthState
    # Why, in words the seller can act on; None when all is well.
    reason: str | None = None


_DELIVERY = """
SELECT c.channel_account_id AS account_id,
       count(*) FILTER (WHERE m.status = 'failed' AND m.updated_at > now() - interval '24 hours') AS failed,
       count(*) FILTER (WHERE m.status IN ('approved', 'sending') AND m.delivery_attempts >= 2) AS retrying,
       (array_agg(m.delivery_error ORDER BY m.updated_at DESC)
            FILTER (WHERE m.delivery_error IS NOT NULL AND m.updated_at > now() - interval '24 hours'))[1] AS error
  FROM messages m JOIN conversations c ON c.id = m.conversation_id
 WHERE m.direction = 'outbound' AND m.status IN ('failed', 'approved', 'sending')
   AND c.channel_account_id = ANY($1::uuid[])
 GROUP BY c.channel_account_id
"""


def _minutes_since(moment: datetime | None, now: datetime) -> int | None:
    return None if moment is None else int((now - moment).total_seconds() // 60)


def _health(account: dict, delivery: dict | None, now: datetime) -> ChannelHealth:
    status = account["status"]
    if status == "error":
        return ChannelHealth(state="broken", reason=account["last_error"] or
                             "The connection stopped working; connect the account again.")
    if status == "disconnected":
        return ChannelHealth(state="disconnected", reason="Disconnected: no messages are received or sent.")
    if status == "pending":
        return ChannelHealth(state="pending", reason="The connection is not finished yet.")
    if status == "paused":
        return ChannelHealth(state="paused", reason="Paused: nothing is fetched or sent; messages the platform "
                                                    "pushes to BOK-AI are still recorded. Resume it to continue.")
    error = delivery and delivery["error"]
    detail = f" Last error: {error}" if error else ""
    if delivery and delivery["failed"]:
        return ChannelHealth(state="degraded", reason=f"{delivery['failed']} replies in the last 24 hours could "
                                                      f"not be delivered through this connection.{detail}")
    if delivery and delivery["retrying"]:
        return ChannelHealth(state="degraded", reason=f"{delivery['retrying']} replies are waiting to be "
                                                      f"delivered and are being retried.{detail}")
    if account["platform"] in POLLED:
        late = _minutes_since(account["last_synced_at"] or account["created_at"], now)
        if late is not None and late >= SYNC_LATE_MINUTES:
            return ChannelHealth(state="degraded", reason=f"New messages have not been fetched for {late} minutes.")
    return ChannelHealth(state="ok")


async def channel_health(accounts: list[dict]) -> dict[UUID, ChannelHealth]:
    """Inside the caller's tenant transaction; ``accounts`` need id, platform, status, last_error,
    last_synced_at and created_at."""
    if not accounts:
        return {}
    rows = await tx_connection().fetch(_DELIVERY, [a["id"] for a in accounts])
    delivery = {r["account_id"]: r for r in rows}
    now = datetime.now(timezone.utc)
    return {a["id"]: _health(a, delivery.get(a["id"]), now) for a in accounts}
