"""The Dramatiq broker (Redis) and enqueueing by actor name.

Dramatiq binds actors to the global broker when their module is imported, so the broker is set up
here, at import. Functions enqueue by actor name (``enqueue``) and never import actor modules, which
keeps LLM and vector-store clients out of their images.
"""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.redis import RedisBroker
from dramatiq.middleware.asyncio import AsyncIO

from shared.infra.redis import RedisSettings
from shared.settings import load


def _make_broker() -> RedisBroker:
    settings = load(RedisSettings)
    redis_broker = RedisBroker(url=settings.url, namespace=settings.broker_namespace)
    redis_broker.add_middleware(AsyncIO())
    return redis_broker


broker = _make_broker()
dramatiq.set_broker(broker)


def enqueue(queue_name: str, actor_name: str, *ids: str, delay_ms: int | None = None) -> str:
    """Enqueue ``actor_name`` with string ids only; call after the transaction creating the work commits."""
    message = dramatiq.Message(
        queue_name=queue_name, actor_name=actor_name, args=tuple(ids), kwargs={}, options={}
    )
    return broker.enqueue(message, delay=delay_ms).message_id
