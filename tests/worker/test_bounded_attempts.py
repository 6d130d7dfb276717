"""Every actor gives up a job that fails or hangs every time after a bounded number of attempts, and
one a seller waits on then leaves a visible trace beyond the dead-letter set (issue 21, bad input).
A job that kills its worker is bounded by shared.crashing_jobs (tests/worker/test_poisoned_jobs.py)."""

from __future__ import annotations

import dramatiq
from dramatiq.middleware import TimeLimitExceeded
from dramatiq.middleware.retries import Retries

from shared.broker import DEFAULT_TIME_LIMIT_MS

# Actors whose give-up needs no trace of its own: the trace-writers themselves (a failed one is a dead
# letter an alert counts), and periodic work whose next run does the same job again.
NO_TRACE_NEEDED = {
    "ai.reply_gave_up", "replies.delivery_gave_up", "events.delivery_gave_up", "knowledge.ingestion_gave_up",
    "inbox.processing_gave_up",
    "channels.sync_account", "channels.schedule_sync",  # the next scheduled sync reads the same window
    "knowledge.deactivate_idle_tenants",  # the next sweep
    "events.channel_broken",  # the connection shows status 'error' in the seller's channel list already
}


def _actors() -> list[dramatiq.Actor]:
    import shared.worker  # noqa: F401 — registers every actor

    return [a for a in dramatiq.get_broker().actors.values() if not a.actor_name.startswith("probe.")]


def attempts_of_a_job_that_always_times_out(actor: dramatiq.Actor) -> int:
    """How many times Dramatiq's retry middleware runs a job whose every attempt hits its time limit."""
    retry_when = actor.options.get("retry_when")
    if retry_when is None:
        return actor.options.get("max_retries", Retries().max_retries) + 1
    attempts = 1
    while attempts < 1000 and retry_when(attempts - 1, TimeLimitExceeded()):
        attempts += 1
    return attempts


def test_a_job_that_fails_or_hangs_every_time_is_given_up_within_two_hours():
    slowest = {}
    for actor in _actors():
        attempts = attempts_of_a_job_that_always_times_out(actor)
        slowest[actor.actor_name] = attempts * actor.options.get("time_limit", DEFAULT_TIME_LIMIT_MS) / 60_000
    assert max(slowest.values()) <= 120, {name: f"{m:.0f} min" for name, m in slowest.items() if m > 120}


def test_a_given_up_job_a_seller_waits_on_leaves_a_trace():
    untraced = {a.actor_name for a in _actors() if not a.options.get("on_retry_exhausted")} - NO_TRACE_NEEDED
    assert not untraced, f"give these an on_retry_exhausted actor (or say in NO_TRACE_NEEDED why not): {untraced}"
