"""What `GET /analytics` answers (camelCase JSON, like every other function)."""

from __future__ import annotations

from datetime import date

import msgspec


class _View(msgspec.Struct, frozen=True, rename="camel", kw_only=True):
    pass


class ResponseTimes(_View):
    # Conversations whose first reply was sent by this responder; seconds from the first customer
    # message reaching BOK-AI to that reply being delivered. None when there is nothing to measure.
    conversations: int
    p50_seconds: float | None
    p90_seconds: float | None


class FirstResponse(_View):
    all: ResponseTimes
    ai: ResponseTimes
    person: ResponseTimes


class Automation(_View):
    resolved: int
    # Resolved, at least one reply sent, and every sent reply written by the AI.
    ai_only: int
    # ... and none of those replies waited for a person's approval or edit (autopilot alone).
    autonomous: int
    rate: float | None  # ai_only / resolved


class HandoffCount(_View):
    reason: str
    conversations: int


class Drafts(_View):
    """The AI's replies by what happened to them (a quality signal from the seller's own edits)."""
    approved_unchanged: int
    approved_edited: int
    discarded: int
    pending: int  # still a draft
    sent_by_autopilot: int  # never a draft: the AI sent it on its own, and it was delivered


class Cost(_View):
    total_pln: float  # AI usage of every conversation in the range
    resolved_pln: float  # AI usage of the resolved ones
    per_resolved_pln: float | None


class Topic(_View):
    text: str  # the most recent wording of the question
    count: int


class UnansweredTopics(_View):
    grouping: str  # how questions were grouped
    questions: int
    topics: list[Topic]


class Analytics(_View):
    date_from: date = msgspec.field(name="from")
    date_to: date = msgspec.field(name="to")
    channel: str | None
    conversations: int  # started in the range (their first customer message reached BOK-AI then)
    first_response: FirstResponse
    automation: Automation
    handoffs: list[HandoffCount]
    drafts: Drafts
    cost: Cost
    unanswered_topics: UnansweredTopics
