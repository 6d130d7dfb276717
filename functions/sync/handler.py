"""Sync trigger, invoked on a schedule: enqueue one ``channels.schedule_sync`` fan-out job.

/function/* is public, so the caller proves itself with the shared token header ``X-Sync-Token``
(secret ``sync-trigger-token``). Triggers are also coalesced in Redis to one fan-out per
``SYNC_COALESCE_SECONDS`` (50), so even a leaked token cannot flood the queue.
"""

import hmac
from typing import Annotated, ClassVar

import msgspec
from litestar import post
from litestar.exceptions import HTTPException
from litestar.params import HeaderParameter
from litestar.status_codes import HTTP_202_ACCEPTED

from shared.auth.errors import Unauthenticated
from shared.broker import enqueue
from shared.http.app import make_function_app
from shared.infra.redis import close_redis, open_redis, redis_client
from shared.settings import Settings, SettingsError, load

class SyncSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "SYNC_"
    trigger_token: str
    coalesce_seconds: int = 50
    # Not tenant data: one global key outside every tenant's "t:<id>:" namespace.
    coalesce_key: str = "channels:schedule-sync:coalesce"


class Triggered(msgspec.Struct, kw_only=True, rename="camel"):
    enqueued: bool


class NotConfigured(HTTPException):
    status_code = 503


@post("/", summary="Start one polling round (cron)", status_code=HTTP_202_ACCEPTED)
async def trigger(token: Annotated[str | None, HeaderParameter(name="X-Sync-Token")] = None) -> Triggered:
    try:
        settings = load(SyncSettings)
    except SettingsError:
        raise NotConfigured(detail="The sync trigger token is not configured.") from None
    if not token or not hmac.compare_digest(token.encode(), settings.trigger_token.encode()):
        raise Unauthenticated("Send the sync trigger token in the X-Sync-Token header.")
    if not await redis_client().set(settings.coalesce_key, b"1", ex=settings.coalesce_seconds, nx=True):
        return Triggered(enqueued=False)
    enqueue("channels", "channels.schedule_sync")
    return Triggered(enqueued=True)


app = make_function_app("sync", [trigger], description="Scheduled polling of Allegro and OLX accounts.",
                        on_startup=[open_redis], on_shutdown=[close_redis])
