"""What became of every accepted customer message: a reply or draft, a handoff, or nothing yet.

Read from Postgres per seller (``tenant_tx``, so row-level security applies as everywhere): the
conversation of the message's ref, its first outbound message (the AI's draft or reply) and its first
handoff. Queue lag = when that decision was written − when the webhook answered 202.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

DECISIONS_SQL = """
SELECT c.platform_conversation_id AS ref, c.status, c.updated_at,
       (SELECT min(m.created_at) FROM messages m
         WHERE m.conversation_id = c.id AND m.direction = 'outbound') AS replied_at,
       h.created_at AS handed_at, h.reason AS handoff_reason
  FROM conversations c
  LEFT JOIN LATERAL (SELECT created_at, reason FROM handoff_log
                      WHERE conversation_id = c.id ORDER BY created_at LIMIT 1) h ON true
 WHERE c.platform_conversation_id = ANY($1::text[])
"""
MODELS_SQL = "SELECT coalesce(model_used, '?') AS model, count(*) AS n FROM usage_logs WHERE action = 'ai_reply' GROUP BY 1"


@dataclass
class Outcomes:
    lags: list[float] = field(default_factory=list)  # seconds, decided messages only
    kinds: Counter = field(default_factory=Counter)  # "reply or draft" | "handoff: <reason>" | "closed"
    pending: int = 0  # accepted, no decision by the end of the drain
    replies_by_model: Counter = field(default_factory=Counter)
    drain_seconds: float = 0.0
    last_decision_at: float = 0.0  # wall time of the last decision written


def _decision(row) -> tuple[str, float] | None:
    if row["replied_at"] is not None:
        return "reply or draft", row["replied_at"].timestamp()
    if row["handed_at"] is not None:
        return f"handoff: {row['handoff_reason']}", row["handed_at"].timestamp()
    if row["status"] == "resolved":
        return "closed", row["updated_at"].timestamp()
    return None


async def _decided(tenant_id: str, refs: dict[str, float]) -> list[tuple[str, str, float]]:
    from shared.tenancy.db import tenant_tx, tx_connection

    async with tenant_tx(tenant_id):
        rows = await tx_connection().fetch(DECISIONS_SQL, list(refs))
    return [(row["ref"], *decision) for row in rows if (decision := _decision(row))]


async def collect(accepted: list[tuple[str, str, float]], drain_seconds: float, *, poll_seconds: float = 2.0,
                  concurrency: int = 8) -> Outcomes:
    """Poll until every accepted message is decided or ``drain_seconds`` have passed."""
    outcomes = Outcomes()
    pending: dict[str, dict[str, float]] = defaultdict(dict)
    for tenant_id, ref, accepted_at in accepted:
        pending[tenant_id][ref] = accepted_at
    gate = asyncio.Semaphore(concurrency)
    started = time.monotonic()

    async def one(tenant_id: str) -> None:
        async with gate:
            found = await _decided(tenant_id, pending[tenant_id])
        for ref, kind, decided_at in found:
            accepted_at = pending[tenant_id].pop(ref)
            outcomes.lags.append(decided_at - accepted_at)
            outcomes.kinds[kind] += 1
            outcomes.last_decision_at = max(outcomes.last_decision_at, decided_at)
        if not pending[tenant_id]:
            del pending[tenant_id]

    while True:
        await asyncio.gather(*(one(t) for t in list(pending)))
        left = sum(len(refs) for refs in pending.values())
        if not left or time.monotonic() - started >= drain_seconds:
            break
        print(f"\rdrain: {left} messages without a decision ({time.monotonic() - started:.0f}s)",
              end="", file=sys.stderr, flush=True)
        await asyncio.sleep(poll_seconds)
    print(file=sys.stderr)
    outcomes.pending = sum(len(refs) for refs in pending.values())
    outcomes.drain_seconds = time.monotonic() - started
    return outcomes


async def replies_by_model(tenant_ids: list[str]) -> Counter:
    """Which model wrote the AI replies (proves they came from the intended LLM, not the stack's)."""
    from shared.tenancy.db import tenant_tx, tx_connection

    models = Counter()
    for tenant_id in tenant_ids:
        async with tenant_tx(tenant_id):
            for row in await tx_connection().fetch(MODELS_SQL):
                models[row["model"]] += row["n"]
    return models
