"""When the AI answers: the job name and the quiet period, without importing the agent itself."""

from __future__ import annotations

from typing import ClassVar

from shared.settings import Settings, load

GENERATE_ACTOR = ("ai", "ai.generate_reply")


class AgentSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "AI_"
    # Customers often send a burst ("Dzień dobry" / "mam pytanie" / the question): wait this long
    # after a message; if another arrives meanwhile, only the newest one's job answers, once.
    quiet_period_seconds: float = 30.0


def quiet_period_ms() -> int:
    return int(load(AgentSettings).quiet_period_seconds * 1000)
