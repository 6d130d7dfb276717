"""Compute an embedding model's similarity thresholds from a labelled FAQ: `python -m shared.knowledge.calibrate`.

Input (default `bench/data/faq_pl.json`): {"entries": [{"id", "question", "answer"}],
"questions": [{"q", "entry"}]} — customer questions, each labelled with the entry that answers it.

- grounding: each question against every entry as a passage (question heading + answer, as the
  knowledge base embeds it). The threshold is the highest that still lets GROUNDING_RECALL of the
  questions reach their own entry. How often the best *other* entry (a knowledge base lacking the
  answer) also passes is printed: with e5-small it is high, which is why grounding alone never sends.
- curated: each question against every entry's question (query ↔ query, as curated answers match),
  and the entries' questions against each other. A curated answer is sent verbatim, so the threshold
  is just above the highest similarity of two *different* questions (precision 1 on this set); the
  recall it leaves is printed.
Writes `shared/knowledge/calibration/<EMBEDDINGS_MODEL_ID>.json`, read by `shared.knowledge.similarity`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

import numpy as np

from shared.knowledge.similarity import embedding_model_id
from shared.knowledge.similarity import calibration_path

DEFAULT_FAQ = Path(__file__).resolve().parents[2] / "bench" / "data" / "faq_pl.json"


GROUNDING_RECALL = 0.85
CURATED_MARGIN = 0.0005  # strictly above the highest different-question similarity, at 4 decimals


def grounding_threshold(own: np.ndarray, best_other: np.ndarray,
                        recall: float = GROUNDING_RECALL) -> tuple[float, dict]:
    ordered = np.sort(own)
    t = float(np.floor(ordered[int(np.floor((1 - recall) * len(ordered)))] * 10_000) / 10_000)
    return t, {"own_pass": round(float(np.mean(own >= t)), 3),
               "other_pass": round(float(np.mean(best_other >= t)), 3), "target_recall": recall}


def curated_threshold(same: np.ndarray, different_max: float) -> tuple[float, dict]:
    t = round(different_max + CURATED_MARGIN, 4)
    return t, {"recall": round(float(np.mean(same >= t)), 3), "highest_other": round(different_max, 4)}


async def _vectors(faq: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from shared.infra.embeddings import Embedder

    embedder = Embedder()
    try:
        questions = np.asarray(await embedder.embed_queries([q["q"] for q in faq["questions"]]))
        entry_questions = np.asarray(await embedder.embed_queries([e["question"] for e in faq["entries"]]))
        passages = np.asarray(await embedder.embed_passages(
            [f"{e['question']}\n\n{e['answer']}" for e in faq["entries"]]))
    finally:
        await embedder.close()
    return questions, entry_questions, passages


def calibrate(faq: dict, questions: np.ndarray, entry_questions: np.ndarray, passages: np.ndarray) -> dict:
    index = {e["id"]: i for i, e in enumerate(faq["entries"])}
    own_entry = np.array([index[q["entry"]] for q in faq["questions"]])
    rows = np.arange(len(own_entry))
    passage_sim = questions @ passages.T
    own = passage_sim[rows, own_entry]
    others = passage_sim.copy()
    others[rows, own_entry] = -1
    grounding, grounding_stats = grounding_threshold(own, others.max(axis=1))
    question_sim = questions @ entry_questions.T
    same = question_sim[rows, own_entry]
    question_sim[rows, own_entry] = -1
    between_entries = entry_questions @ entry_questions.T
    np.fill_diagonal(between_entries, -1)
    curated, curated_stats = curated_threshold(same, float(max(question_sim.max(), between_entries.max())))
    return {"grounding_similarity": round(grounding, 4), "curated_similarity": curated,
            "measured": {"questions": len(rows), "entries": len(index), "grounding": grounding_stats,
                         "curated": curated_stats}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.knowledge.calibrate", description=__doc__.splitlines()[0])
    parser.add_argument("faq", nargs="?", default=str(DEFAULT_FAQ))
    parser.add_argument("--write", action="store_true", help="write the calibration file (default: print only)")
    args = parser.parse_args(argv)
    faq = json.loads(Path(args.faq).read_text(encoding="utf-8"))
    model_id = embedding_model_id()
    result = {"embedding_model": model_id, "source": Path(args.faq).name, **calibrate(faq, *asyncio.run(_vectors(faq)))}
    print(json.dumps(result, indent=2, ensure_ascii=False))
    if args.write:
        path = calibration_path(model_id)
        path.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
        print(f"wrote {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
