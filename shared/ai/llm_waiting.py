"""Messages waiting for the LLM to come back, per seller, served oldest first once it is back.

While the LLM is unreachable each generate job retries after growing delays (``shared.ai.llm_retry``),
so when it returns, messages that arrived meanwhile were answered at once while those caught by the
outage still sat out their delays: customers got replies out of order. Each job that has to wait is
therefore recorded here (sorted by when it first had to wait); whichever job next finds the LLM
answering releases them all, oldest first, and a fresh message that finds older ones waiting queues
behind them. A released job's delayed copy, firing later, finds it released and does nothing (and the
agent skips a message already answered anyway). Redis away: nothing is recorded or released, and the
delayed retries run as before.
"""

from __future__ import annotations

import logging
import time

from redis.exceptions import RedisError

from shared.infra.redis import redis_client
from shared.tenancy.keys import TenantKeys

logger = logging.getLogger("bokai.ai")
# Long enough for the longest retry schedule; a release marker outlives the delayed copy it cancels.
_TTL_SECONDS = 3600


def _keys(tenant_id: str) -> TenantKeys:
    return TenantKeys(redis_client(), tenant_id)


async def wait_for_llm(tenant_id: str, message_id: str, next_attempt: int) -> None:
    keys = _keys(tenant_id)
    try:
        async with redis_client().pipeline(transaction=True) as pipe:
            pipe.zadd(keys.key("llm-waiting"), {message_id: time.time()}, nx=True)
            pipe.hset(keys.key("llm-waiting-attempts"), message_id, next_attempt)
            pipe.expire(keys.key("llm-waiting"), _TTL_SECONDS)
            pipe.expire(keys.key("llm-waiting-attempts"), _TTL_SECONDS)
            await pipe.execute()
    except RedisError as problem:
        logger.warning("message waiting for the LLM not recorded (%s); its delayed retry stands", type(problem).__name__)


async def done_waiting(tenant_id: str, message_id: str) -> None:
    keys = _keys(tenant_id)
    try:
        async with redis_client().pipeline(transaction=True) as pipe:
            pipe.zrem(keys.key("llm-waiting"), message_id)
            pipe.hdel(keys.key("llm-waiting-attempts"), message_id)
            await pipe.execute()
    except RedisError:
        pass  # the entry expires; a release of it would find the message answered


async def others_waiting(tenant_id: str, message_id: str) -> bool:
    try:
        waiting = await redis_client().zrange(_keys(tenant_id).key("llm-waiting"), 0, 1)
    except RedisError:
        return False
    return any(member.decode() != message_id for member in waiting)


async def release_all(tenant_id: str, except_message: str) -> list[tuple[str, str]]:
    """Take every waiting message but ``except_message`` (its job is running): (message id, attempt), oldest first."""
    keys = _keys(tenant_id)
    try:
        async with redis_client().pipeline(transaction=True) as pipe:
            pipe.zrange(keys.key("llm-waiting"), 0, -1)
            pipe.hgetall(keys.key("llm-waiting-attempts"))
            pipe.delete(keys.key("llm-waiting"), keys.key("llm-waiting-attempts"))
            waiting, attempts, _ = await pipe.execute()
        released = [(m.decode(), attempts.get(m, b"1").decode()) for m in waiting if m.decode() != except_message]
        async with redis_client().pipeline(transaction=False) as pipe:
            for message_id, attempt in released:
                pipe.set(keys.key(f"llm-released:{message_id}:{attempt}"), b"1", ex=_TTL_SECONDS)
            await pipe.execute()
    except RedisError as problem:
        logger.warning("messages waiting for the LLM not released (%s); their delayed retries stand",
                       type(problem).__name__)
        return []
    return released


async def was_released(tenant_id: str, message_id: str, attempt: str) -> bool:
    """Whether this delayed attempt was already run early by a release."""
    try:
        return await _keys(tenant_id).exists(f"llm-released:{message_id}:{attempt}")
    except RedisError:
        return False
