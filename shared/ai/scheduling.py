"""When the AI answers: at once for a complete message, after a quiet period for a fragment.

Customers often write in bursts ("Dzień dobry" / "mam pytanie" / the question). A message that
already asks something is answered immediately (the seed asks for replies within seconds); a
fragment waits up to the quiet period for the rest, and if another message arrives meanwhile only
the newest one's job answers the burst, once. Kept apart from the agent so the seam that schedules
never imports the LLM or vector clients.
"""

from __future__ import annotations

import re
from typing import ClassVar
from uuid import UUID

from shared.ai.textnorm import compile_folded, fold
from shared.settings import Settings, load
from shared.tenancy.db import tenant_tx, tx_connection

GENERATE_ACTOR = ("ai", "ai.generate_reply")
# The decision that needs no model call (hand-offs, thanks, after hours, curated answers, no grounding)
# runs in the live class; only a reply to generate goes on to the reply class (shared.queue_classes).
DECIDE_ACTOR = ("replies", "replies.decide_reply")
# A complete message asks something in at least this many words, or fewer ending in "?".
COMPLETE_MIN_WORDS = 3

# Openers that carry no question: greetings, "I have a question", polite fillers, in pl/en/ro/hu/bg.
_OPENERS = compile_folded(
    r"dzie[nń] dobry", r"dobry wiecz[oó]r", r"witam\w*", r"witajcie", r"cze[sś][cć]", r"hej(?:ka)?", r"halo",
    r"siema", r"elo", r"mam (?:takie |jedno |kr[oó]tkie )?(?:pytani\w*|spraw\w*|pro[sś]b\w*)",
    r"(?:chcia[lł]\w*|chc[eę]) (?:si[eę] )?(?:zapyta[cć]|spyta[cć]|dopyta[cć])", r"pytanie",
    r"pa[nń]stw\w*", r"szanown\w*", r"pozdrawiam", r"z g[oó]ry dzi[eę]kuj[eę]",
    r"hello", r"hi", r"hey", r"good (?:morning|afternoon|evening)", r"i have a question", r"quick question",
    r"bun[aă] ziua", r"salut", r"am o [iî]ntrebare", r"j[oó] napot", r"szia", r"k[eé]rd[eé]sem van",
    r"добър ден", r"здравейте", r"имам въпрос",
)
_WORD = re.compile(r"[^\W_]+")


class AgentSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "AI_"
    # How long a fragment waits for the rest of the burst before the AI answers what it has.
    quiet_period_seconds: float = 30.0


def quiet_period_ms() -> int:
    return int(load(AgentSettings).quiet_period_seconds * 1000)


def is_fragment(text: str) -> bool:
    """"Dzień dobry", "mam pytanie", "?": nothing yet that a reply could answer."""
    folded = _OPENERS.sub(" ", fold(text or ""))
    words = [w for w in _WORD.findall(folded) if not w.isdigit()]
    if len(words) >= COMPLETE_MIN_WORDS:
        return False
    return not (words and folded.rstrip().endswith("?"))


def reply_delay_ms(text: str) -> int:
    return quiet_period_ms() if is_fragment(text) else 0


async def reply_delay_for_message(tenant_id: UUID | str, message_id: UUID | str) -> int:
    async with tenant_tx(tenant_id):
        content = await tx_connection().fetchval(
            "SELECT content FROM messages WHERE id = $1 AND direction = 'inbound'", UUID(str(message_id)))
    return reply_delay_ms(content or "")
