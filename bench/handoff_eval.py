"""Does the autopilot gate hand the right messages to a person? Precision/recall on any labelled file.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.handoff_eval FILE [--quiet]

FILE: JSON lines {"text": ..., "needsHuman": true|false} (extra fields such as "intents" are used
for a per-intent breakdown when present). Every message goes through the production decision path
— the same bounded text, the same e5 query embedding from the configured embeddings server, the same
`shared.ai.intent.decision.assess` with the default handoff topics, and the LLM intent check when the
deployment enables it (AI_INTENT_LLM_CHECK_ENABLED). "Needs a person" means the agent would not let
the AI answer alone: a handoff, or a draft held for approval. Prints the misses, the confusion
counts and, on its last line, `precision=<x> recall=<y> automation=<z>`: precision and recall of the
needsHuman class, and the automation rate — the share of answerable messages (needsHuman false) the
gate lets the AI answer alone. Retrieval grounding and the policy guard come after the gate, so the
share actually auto-sent is at most this.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from collections import Counter
from pathlib import Path
from typing import NamedTuple

from shared.ai.intent import llm_check
from shared.ai.intent.dataset import Example, read_examples
from shared.ai.intent.decision import Assessment, assess, text_to_classify
from shared.ai.intent.vectors import embed_for_classifier
from shared.knowledge.similarity import embedding_model_id


async def decide_all(examples: list[Example]) -> list[Assessment]:
    from shared.ai.llm_clients import client_for
    from shared.ai.routing import load_endpoints
    from shared.infra.embeddings import Embedder
    from shared.infra.llm import LlmSettings
    from shared.settings import load

    embedder = Embedder()
    try:
        vectors = await embed_for_classifier(embedder, [e.text for e in examples])
    finally:
        await embedder.close()
    model_id = embedding_model_id()
    assessments = [assess(e.text, v, embedding_model=model_id) for e, v in zip(examples, vectors)]
    options = llm_check.settings()
    if options.enabled:
        endpoint = load_endpoints().local
        client = client_for(endpoint, load(LlmSettings))
        assessments = [(await llm_check.check(client, endpoint.model, text_to_classify([e.text]), a, options))[0]
                       for e, a in zip(examples, assessments)]
    return assessments


class GateScores(NamedTuple):
    precision: float  # of "needs a person"
    recall: float  # of "needs a person"
    automation: float  # answerable messages the gate lets the AI answer alone

    def line(self) -> str:
        return f"precision={self.precision:.3f} recall={self.recall:.3f} automation={self.automation:.3f}"


def report(examples: list[Example], assessments: list[Assessment], *, quiet: bool = False) -> GateScores:
    counts = Counter()
    per_intent: dict[str, Counter] = {}
    for example, verdict in zip(examples, assessments):
        key = ("t" if example.needs_human else "f") + ("p" if verdict.needs_human else "n")
        counts[key] += 1
        for intent in example.intents:
            per_intent.setdefault(intent, Counter())[verdict.needs_human] += 1
        if not quiet and key in ("tn", "fp"):
            label = "MISSED (needs a person, would be answered)" if key == "tn" else "extra (answerable, sent to a person)"
            print(f"{label}: [{verdict.layer} p={_p(verdict)} intent={verdict.intent}] {example.text[:160]!r}")
    if any(per_intent.values()):
        print("by labelled intent: share sent to a person; the classifier's intent precision/recall "
              "(its most likely intent vs the labels, recall on the main label):")
        for intent, c in sorted(per_intent.items()):
            precision_i, recall_i = _intent_scores(examples, assessments, intent)
            print(f"  {intent:28s} to a person {c[True]:4d}/{c[True] + c[False]:<4d} = "
                  f"{c[True] / (c[True] + c[False]):.2f}   intent precision={precision_i:.2f} recall={recall_i:.2f}")
    precision = counts["tp"] / max(1, counts["tp"] + counts["fp"])
    recall = counts["tp"] / max(1, counts["tp"] + counts["tn"])
    # Keys are (labelled, decided): "fn" = answerable and answered alone.
    answerable = counts["fn"] + counts["fp"]
    automation = counts["fn"] / max(1, answerable)
    print(f"messages={len(examples)} needsHuman={counts['tp'] + counts['tn']} "
          f"tp={counts['tp']} fp={counts['fp']} fn={counts['tn']} tn={counts['fn']}; "
          f"answerable answered alone {counts['fn']}/{answerable}")
    return GateScores(precision, recall, automation)


def _intent_scores(examples: list[Example], assessments: list[Assessment], intent: str) -> tuple[float, float]:
    judged = [(e, a) for e, a in zip(examples, assessments) if a.intent is not None]
    chosen = [e for e, a in judged if a.intent == intent]
    main = [a for e, a in judged if e.intents and e.intents[0] == intent]
    precision = sum(intent in e.intents for e in chosen) / max(1, len(chosen))
    recall = sum(a.intent == intent for a in main) / max(1, len(main))
    return precision, recall


def _p(verdict: Assessment) -> str:
    return "-" if verdict.p_human is None else f"{verdict.p_human:.2f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.handoff_eval", description=__doc__.splitlines()[0])
    parser.add_argument("file", type=Path)
    parser.add_argument("--quiet", action="store_true", help="do not list the misses")
    args = parser.parse_args(argv)
    examples = read_examples(args.file)
    started = time.perf_counter()
    assessments = asyncio.run(decide_all(examples))
    elapsed = time.perf_counter() - started
    print(f"decided {len(examples)} messages in {elapsed:.1f} s (embedding model {embedding_model_id()}, "
          f"LLM check {'on' if llm_check.settings().enabled else 'off'})")
    print(report(examples, assessments, quiet=args.quiet).line())
    return 0


if __name__ == "__main__":
    sys.exit(main())
