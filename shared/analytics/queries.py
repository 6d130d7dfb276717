"""The analytics SQL: every figure is about the conversations that started in the range.

A conversation "started" when its first customer message reached BOK-AI (conversations.created_at);
a range is Warsaw calendar days, both ends included, like the usage report. Everything runs in one
`tenant_tx`, so RLS shows only the caller's rows; the explicit tenant_id filters are there for the
indexes (migration 2026-11-26T03:30). No user text reaches a statement: the channel is a parameter.

Handoff reasons and unanswered questions come from conversations.handoff_reason, which holds the
*current* reason: resolving a conversation clears it (shared/conversations/handoff.py), so those two
figures count conversations that still carry a reason, not every handoff that ever happened.
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

# Seconds from a conversation's first customer message to its first delivered reply, per responder;
# GROUPING SETS adds the row for every responder (responder IS NULL).
_FIRST_RESPONSE = _CONVERSATIONS + """
, first_in AS (
    SELECT m.conversation_id, min(m.created_at) AS at FROM messages m JOIN convs c ON c.id = m.conversation_id
     WHERE m.tenant_id = $1 AND m.direction = 'inbound' GROUP BY m.conversation_id
), first_out AS (
    SELECT DISTINCT ON (m.conversation_id) m.conversation_id, m.sender_type, m.delivered_at
      FROM messages m JOIN convs c ON c.id = m.conversation_id
     WHERE m.tenant_id = $1 AND m.direction = 'outbound' AND m.status = 'sent' AND m.delivered_at IS NOT NULL
     ORDER BY m.conversation_id, m.delivered_at, m.id
), waits AS (
    SELECT CASE WHEN o.sender_type = 'bot' THEN 'ai' ELSE 'person' END AS responder,
           EXTRACT(EPOCH FROM o.delivered_at - i.at)::float8 AS seconds
      FROM first_in i JOIN first_out o USING (conversation_id)
     WHERE o.delivered_at >= i.at
)
SELECT responder, count(*) AS conversations,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY seconds) AS p50,
       percentile_cont(0.9) WITHIN GROUP (ORDER BY seconds) AS p90
  FROM waits GROUP BY GROUPING SETS ((responder), ())
"""

# Per conversation: how many sent replies, by the AI, and AI replies a person approved or edited.
_AUTOMATION = _CONVERSATIONS + """
, replies AS (
    SELECT m.conversation_id,
           count(*) AS sent,
           count(*) FILTER (WHERE m.sender_type = 'bot') AS by_ai,
           count(*) FILTER (WHERE m.sender_type = 'bot'
                            AND (m.meta ? 'approvedByUserId' OR m.meta ? 'editedByUserId')) AS ai_checked
      FROM messages m JOIN convs c ON c.id = m.conversation_id
     WHERE m.tenant_id = $1 AND m.direction = 'outbound' AND m.status = 'sent'
     GROUP BY m.conversation_id
)
SELECT (SELECT count(*) FROM convs) AS conversations,
       count(*) FILTER (WHERE c.status = 'resolved') AS resolved,
       count(*) FILTER (WHERE c.status = 'resolved' AND r.sent > 0 AND r.by_ai = r.sent) AS ai_only,
       count(*) FILTER (WHERE c.status = 'resolved' AND r.sent > 0 AND r.by_ai = r.sent
                        AND r.ai_checked = 0) AS autonomous
  FROM convs c LEFT JOIN replies r ON r.conversation_id = c.id
"""

_HANDOFFS = _CONVERSATIONS + """
SELECT handoff_reason AS reason, count(*) AS conversations FROM convs
 WHERE handoff_reason IS NOT NULL GROUP BY handoff_reason ORDER BY conversations DESC, reason
"""

# The AI's replies: a person approved one only through the API, which stamps approvedByUserId;
# editing a draft stamps editedByUserId (shared/conversations/replies.py).
_DRAFTS = _CONVERSATIONS + """
SELECT count(*) FILTER (WHERE m.status <> 'discarded' AND m.meta ? 'approvedByUserId'
                        AND NOT m.meta ? 'editedByUserId') AS approved_unchanged,
       count(*) FILTER (WHERE m.status <> 'discarded' AND m.meta ? 'approvedByUserId'
                        AND m.meta ? 'editedByUserId') AS approved_edited,
       count(*) FILTER (WHERE m.status = 'discarded') AS discarded,
       count(*) FILTER (WHERE m.status = 'draft') AS pending,
       count(*) FILTER (WHERE m.status NOT IN ('draft', 'discarded')
                        AND NOT m.meta ? 'approvedByUserId') AS sent_by_autopilot
  FROM messages m JOIN convs c ON c.id = m.conversation_id
 WHERE m.tenant_id = $1 AND m.direction = 'outbound' AND m.sender_type = 'bot'
"""

_COST = _CONVERSATIONS + """
SELECT COALESCE(sum(u.cost), 0) AS total,
       COALESCE(sum(u.cost) FILTER (WHERE c.status = 'resolved'), 0) AS resolved
  FROM usage_logs u JOIN convs c ON c.id = u.conversation_id
 WHERE u.tenant_id = $1
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
    # No row for a responder with no first reply; the grand-total row exists even over no rows (nulls).
    if row is None or row["conversations"] == 0:
        return schemas.ResponseTimes(conversations=0, p50_seconds=None, p90_seconds=None)
    return schemas.ResponseTimes(conversations=row["conversations"], p50_seconds=round(row["p50"], 1),
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
        waits = {row["responder"]: row for row in await connection.fetch(_FIRST_RESPONSE, *params)}
        automation = await connection.fetchrow(_AUTOMATION, *params)
        handoffs = await connection.fetch(_HANDOFFS, *params)
        drafts = await connection.fetchrow(_DRAFTS, *params)
        cost = await connection.fetchrow(_COST, *params)
        questions = [row["content"] for row in await connection.fetch(_UNANSWERED, *params)]
    resolved = automation["resolved"]
    return schemas.Analytics(
        date_from=date_from, date_to=date_to, channel=channel,
        conversations=automation["conversations"],
        first_response=schemas.FirstResponse(all=_times(waits.get(None)), ai=_times(waits.get("ai")),
                                             person=_times(waits.get("person"))),
        automation=schemas.Automation(resolved=resolved, ai_only=automation["ai_only"],
                                      autonomous=automation["autonomous"],
                                      rate=round(automation["ai_only"] / resolved, 4) if resolved else None),
        handoffs=[schemas.HandoffCount(reason=r["reason"], conversations=r["conversations"]) for r in handoffs],
        drafts=schemas.Drafts(**dict(drafts)),
        cost=schemas.Cost(total_pln=round(float(cost["total"]), 6), resolved_pln=round(float(cost["resolved"]), 6),
                          per_resolved_pln=round(float(cost["resolved"]) / resolved, 6) if resolved else None),
        unanswered_topics=schemas.UnansweredTopics(
            grouping=topics.GROUPING, questions=len(questions),
            topics=[schemas.Topic(text=text, count=count) for text, count in topics.top_topics(questions)]),
    )
