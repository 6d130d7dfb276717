"""The analytics SQL: every figure is about the conversations that started in the range.

A conversation "started" when its first customer message reached BOK-AI (conversations.created_at);
a range is Warsaw calendar days, both ends included, like the usage report. Everything runs in one
`tenant_tx`, so RLS shows only the caller's rows; the explicit tenant_id filters are there for the
indexes (migration 2026-11-26T03:30). No user text reaches a statement: the channel is a parameter.

Handoffs by reason come from the handoff log (every handoff, kept after the conversation is resolved;
shared/conversations/handoff.py), plus the current reason of conversations handed over before the log
existed. Unanswered questions come from conversations.handoff_reason, the *current* reason: they are
the questions still waiting with no_grounding.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from shared.ai.config import WARSAW
from shared.ai.report import ReportError, resolve_range
from shared.analytics import schemas, topics
from shared.conversations.queries import PLATFORMS
from shared.tenancy.db import tenant_tx, tx_connection

MAX_TOPIC_QUESTIONS = 5000  # the newest ones; enough to rank topics, bounded for a huge backlog

# $1 tenant, $2/$3 the range [start, end), $4 channel or NULL.
_CONVERSATIONS = """
WITH convs AS (
    SELECT id, status, handoff_reason FROM conversations
     WHERE tenant_id = $1 AND created_at >= $2 AND created_at < $3 AND ($4::text IS NULL OR platform = $4)
)
"""

# One pass over the messages of the range's conversations, one row per conversation, then every
# per-conversation figure at once. (Joining several per-conversation subqueries instead made the
# planner nest loops over re-sorted subqueries when statistics lag behind fresh rows: 2 s, not 30 ms.)
# A sent reply counts once delivered; a person approved an AI reply only through the API, which
# stamps approvedByUserId, and editing a draft stamps editedByUserId (shared/conversations/replies.py).
_PER_CONVERSATION = _CONVERSATIONS + """
, per_conversation AS (
    SELECT c.id, c.status,
           min(m.created_at) FILTER (WHERE m.direction = 'inbound') AS first_in,
           min(m.delivered_at) FILTER (WHERE m.direction = 'outbound' AND m.status = 'sent') AS first_out,
           (array_agg(m.sender_type ORDER BY m.delivered_at, m.id)
                FILTER (WHERE m.direction = 'outbound' AND m.status = 'sent' AND m.delivered_at IS NOT NULL))[1]
               AS first_sender,
           count(*) FILTER (WHERE m.direction = 'outbound' AND m.status = 'sent') AS sent,
           count(*) FILTER (WHERE m.direction = 'outbound' AND m.status = 'sent' AND m.sender_type = 'bot') AS by_ai,
           count(*) FILTER (WHERE m.direction = 'outbound' AND m.status = 'sent' AND m.sender_type = 'bot'
                            AND (m.meta ? 'approvedByUserId' OR m.meta ? 'editedByUserId')) AS ai_checked,
           count(*) FILTER (WHERE m.status <> 'discarded' AND m.meta ? 'approvedByUserId'
                            AND NOT m.meta ? 'editedByUserId' AND m.sender_type = 'bot') AS approved_unchanged,
           count(*) FILTER (WHERE m.status <> 'discarded' AND m.meta ? 'approvedByUserId'
                            AND m.meta ? 'editedByUserId' AND m.sender_type = 'bot') AS approved_edited,
           count(*) FILTER (WHERE m.status = 'discarded' AND m.sender_type = 'bot') AS discarded,
           count(*) FILTER (WHERE m.status = 'draft' AND m.sender_type = 'bot') AS pending,
           -- Delivered only: an autopilot reply that failed (or ended "delivery uncertain", also
           -- 'failed') never reached the customer, and one still queued or sending has not yet.
           count(*) FILTER (WHERE m.direction = 'outbound' AND m.sender_type = 'bot' AND m.status = 'sent'
                            AND NOT m.meta ? 'approvedByUserId') AS sent_by_autopilot
      FROM convs c LEFT JOIN messages m ON m.conversation_id = c.id AND m.tenant_id = $1
     GROUP BY c.id, c.status
), waits AS (
    SELECT p.*,
           -- A lookup per conversation (usage_logs_tenant_conversation_idx): the same cheap plan at any table size.
           (SELECT COALESCE(sum(u.cost), 0) FROM usage_logs u
             WHERE u.conversation_id = p.id AND u.tenant_id = $1) AS cost,
           CASE WHEN p.first_out >= p.first_in THEN EXTRACT(EPOCH FROM p.first_out - p.first_in)::float8 END
               AS wait,
           CASE WHEN NOT p.first_out >= p.first_in OR p.first_out IS NULL OR p.first_in IS NULL THEN 'none'
                WHEN p.first_sender = 'bot' THEN 'ai' ELSE 'person' END AS responder
      FROM per_conversation p
)
-- One row per responder (ai | person | none: no first reply to measure) and the total (is_total);
-- percentile_cont skips the NULL waits of unanswered conversations.
SELECT responder, GROUPING(responder) = 1 AS is_total,
       count(*) AS conversations,
       count(wait) AS answered,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY wait) AS p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY wait) AS p90,
       count(*) FILTER (WHERE status = 'resolved') AS resolved,
       count(*) FILTER (WHERE status = 'resolved' AND sent > 0 AND by_ai = sent) AS ai_only,
       count(*) FILTER (WHERE status = 'resolved' AND sent > 0 AND by_ai = sent AND ai_checked = 0) AS autonomous,
       sum(approved_unchanged)::int AS approved_unchanged, sum(approved_edited)::int AS approved_edited,
       sum(discarded)::int AS discarded, sum(pending)::int AS pending,
       sum(sent_by_autopilot)::int AS sent_by_autopilot,
       COALESCE(sum(cost), 0) AS cost, COALESCE(sum(cost) FILTER (WHERE status = 'resolved'), 0) AS resolved_cost
  FROM waits GROUP BY GROUPING SETS ((responder), ())
"""

# A conversation handed over twice for different reasons counts under both.
_HANDOFFS = _CONVERSATIONS + """
SELECT reason, count(DISTINCT conversation_id) AS conversations FROM (
    SELECT h.conversation_id, h.reason FROM handoff_log h JOIN convs c ON c.id = h.conversation_id
     WHERE h.tenant_id = $1
    UNION ALL
    SELECT c.id, c.handoff_reason FROM convs c
     WHERE c.handoff_reason IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM handoff_log h WHERE h.tenant_id = $1 AND h.conversation_id = c.id)
) handed GROUP BY reason ORDER BY conversations DESC, reason
"""

# The question handed off: the newest customer message of each conversation waiting with no_grounding.
_UNANSWERED = _CONVERSATIONS + f"""
SELECT q.content FROM (
    SELECT DISTINCT ON (m.conversation_id) m.content, m.created_at
      FROM messages m JOIN convs c ON c.id = m.conversation_id
     WHERE m.tenant_id = $1 AND c.handoff_reason = 'no_grounding' AND m.direction = 'inbound'
     ORDER BY m.conversation_id, m.created_at DESC, m.id DESC
) q ORDER BY q.created_at DESC LIMIT {MAX_TOPIC_QUESTIONS}
"""


def check_channel(channel: str | None) -> str | None:
    if channel is None:
        return None
    if channel not in PLATFORMS:
        raise ReportError("channel", f"Unknown channel '{channel[:30]}'; use one of: {', '.join(sorted(PLATFORMS))}.")
    return channel


def _times(row) -> schemas.ResponseTimes:
    # No row for a responder without conversations; p50/p90 are NULL when nothing was answered.
    if row is None or row["answered"] == 0:
        return schemas.ResponseTimes(conversations=0, p50_seconds=None, p90_seconds=None)
    return schemas.ResponseTimes(conversations=row["answered"], p50_seconds=round(row["p50"], 1),
                                 p90_seconds=round(row["p90"], 1))


async def analytics(tenant_id: UUID, date_from: date | None, date_to: date | None,
                    channel: str | None = None) -> schemas.Analytics:
    """Raises ReportError (with the offending field) for a bad range or an unknown channel."""
    date_from, date_to = resolve_range(date_from, date_to)
    channel = check_channel(channel)
    start = datetime.combine(date_from, time.min, tzinfo=WARSAW)
    end = datetime.combine(date_to + timedelta(days=1), time.min, tzinfo=WARSAW)
    params = (tenant_id, start, end, channel)
    async with tenant_tx(tenant_id):
        connection = tx_connection()
        rows = await connection.fetch(_PER_CONVERSATION, *params)
        handoffs = await connection.fetch(_HANDOFFS, *params)
        questions = [row["content"] for row in await connection.fetch(_UNANSWERED, *params)]
    total = next(row for row in rows if row["is_total"])  # GROUPING SETS always yields the total row
    by_responder = {row["responder"]: row for row in rows if not row["is_total"]}
    resolved = total["resolved"]
    return schemas.Analytics(
        date_from=date_from, date_to=date_to, channel=channel,
        conversations=total["conversations"],
        first_response=schemas.FirstResponse(all=_times(total), ai=_times(by_responder.get("ai")),
                                             person=_times(by_responder.get("person"))),
        automation=schemas.Automation(resolved=resolved, ai_only=total["ai_only"], autonomous=total["autonomous"],
                                      rate=round(total["ai_only"] / resolved, 4) if resolved else None),
        handoffs=[schemas.HandoffCount(reason=r["reason"], conversations=r["conversations"]) for r in handoffs],
        drafts=schemas.Drafts(approved_unchanged=total["approved_unchanged"] or 0,
                              approved_edited=total["approved_edited"] or 0, discarded=total["discarded"] or 0,
                              pending=total["pending"] or 0, sent_by_autopilot=total["sent_by_autopilot"] or 0),
        cost=schemas.Cost(total_pln=round(float(total["cost"]), 6), resolved_pln=round(float(total["resolved_cost"]), 6),
                          per_resolved_pln=round(float(total["resolved_cost"]) / resolved, 6) if resolved else None),
        unanswered_topics=schemas.UnansweredTopics(
            grouping=topics.GROUPING, questions=len(questions),
            topics=[schemas.Topic(text=text, count=count) for text, count in topics.top_topics(questions)]),
    )
