"""Sync trigger, invoked on a schedule: start one ``channels.schedule_sync`` fan-out at most every 50 s.

The OpenFaaS CE cron-connector calls ``POST /function/sync.<namespace>`` with an empty body and no
header of ours (openfaas/cron-connector ``types/cron_function.go`` ``InvokeFunction``), so the trigger
needs no secret and is safe to be public (docs/channels.md "Polling"): it takes no input, its answer
is the same whether or not a round started, and triggers are coalesced in Redis (``SET NX EX``) to one
fan-out per ``SYNC_COALESCE_SECONDS``. Calling it in a loop polls the marketplaces no more often than
the schedule does; the fan-out itself is idempotent (each account job reads from its own watermark).
"""

import asyncio
from typing import ClassVar

import msgspec
from litestar import post
from litestar.status_codes import HTTP_202_ACCEPTED

from shared.broker import enqueue_or_fail
from shared.http.app import make_function_app
from shared.infra.redis import redis_client
from shared.settings import Settings, load


class SyncSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "SYNC_"
    # Below the cron period (1 min), so every scheduled call starts a round; above any burst.
    coalesce_seconds: int = 50
    # Not tenant data: one global key outside every tenant's "t:<id>:" namespace.
    coalesce_key: str = "channels:schedule-sync:coalesce"


class Accepted(msgspec.Struct, kw_only=True, rename="camel"):
    # Constant on purpose: an anonymous caller learns nothing, not even whether a round started.
    status: str = "accepted"


@post("/", summary="Start a polling round (cron-connector; no input, coalesced)", status_code=HTTP_202_ACCEPTED)
async def trigger() -> Accepted:
    settings = load(SyncSettings)
    redis = redis_client()
    if await redis.set(settings.coalesce_key, b"1", ex=settings.coalesce_seconds, nx=True):
        try:
            # No database change to commit with it (the outbox rule's exception); off the event loop.
            await asyncio.to_thread(enqueue_or_fail, "channels", "channels.schedule_sync")
        except Exception:
            # Not enqueued: free the slot so the next scheduled call starts the round (a 500 here).
            await redis.delete(settings.coalesce_key)
            raise
    return Accepted()


app = make_function_app("sync", [trigger], description="Scheduled polling of Allegro and OLX accounts.",
                        postgres=False)
