"""A stand-in for another function (e.g. inbox) that protects its routes with the shared guard."""

from __future__ import annotations

from typing import Any

from litestar import get, post
from litestar.di import NamedDependency

from shared.auth.guard import requires, requires_active_subscription
from shared.auth.principal import Principal
from shared.http.app import make_function_app
from shared.infra.postgres import close_pool, open_pool
from shared.infra.redis import close_redis, open_redis


@get("/conversations", guards=[requires("read")])
async def list_conversations(principal: NamedDependency[Principal]) -> dict[str, Any]:
    return {"tenant": str(principal.tenant_id), "role": principal.role}


@post("/replies", guards=[requires("write"), requires_active_subscription], status_code=202)
async def draft_reply() -> dict[str, str]:
    return {"status": "queued"}


@post("/billing", guards=[requires("billing")])
async def change_plan() -> dict[str, str]:
    return {"status": "ok"}


app = make_function_app("inbox", [list_conversations, draft_reply, change_plan],
                        description="Guard usage example", on_startup=[open_pool, open_redis],
                        on_shutdown=[close_pool, close_redis])
