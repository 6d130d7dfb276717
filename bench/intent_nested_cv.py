"""How will the autopilot gate do on messages it never saw? Nested cross-validation on the train split.

    set -a; source .state/env; set +a
    .venv/bin/python -m bench.intent_nested_cv [--recall 0.95 0.96 0.97]

Plain k-fold numbers (printed by `python -m shared.ai.intent.train`) read the thresholds off the same
out-of-fold probabilities they score, which flatters them. Here each outer fold is scored by a model
trained — vocabulary, weights and thresholds, exactly as `shared.ai.intent.train` builds the shipped
one — on the other four folds only, with its thresholds chosen by an inner 5-fold run. The frozen test
split is never read. Slow: 30 fits (~30 min on 2 busy cores).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import numpy as np

from shared.ai.intent import dataset
from shared.ai.intent.decision import rules_verdict
from shared.ai.intent.train import (
    FOLDS, GRID, PERSON_INTENTS, Inputs, classifier_inputs, fit_classifier, full_probabilities, out_of_fold,
    primary_intents,
    threshold_for_recall,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.intent_nested_cv", description=__doc__.splitlines()[0])
    parser.add_argument("--recall", type=float, nargs="+", default=[0.95, 0.96, 0.97],
                        help="recall targets for the human threshold (the shipped one is train.TARGET_RECALL)")
    args = parser.parse_args(argv)
    from sklearn.model_selection import StratifiedKFold

    examples = dataset.read_examples(dataset.TRAIN_FILE)
    inputs = asyncio.run(classifier_inputs(examples))
    y = np.array([e.needs_human for e in examples], dtype=int)
    primary = primary_intents(examples)
    ruled = np.array([rules_verdict(e.text) is not None for e in examples])
    [(c, embedding_weight)] = GRID
    counts = {target: [] for target in args.recall}
    outer = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=11)
    for number, (fit_rows, scored_rows) in enumerate(outer.split(np.zeros(len(y)), y), 1):
        inner = Inputs(inputs.texts[fit_rows], inputs.vectors[fit_rows])
        inner_p = out_of_fold(inner, primary[fit_rows], y[fit_rows], c, embedding_weight)[:, PERSON_INTENTS].sum(axis=1)
        vectorizer, classifier = fit_classifier(inputs, fit_rows, primary, c, embedding_weight)
        scored = full_probabilities(classifier, inputs.features(vectorizer, scored_rows, embedding_weight))
        p_scored = scored[:, PERSON_INTENTS].sum(axis=1)
        for target in args.recall:
            threshold = threshold_for_recall(inner_p, y[fit_rows], ruled[fit_rows], target)
            flagged = ruled[scored_rows] | (p_scored >= threshold)
            actual = y[scored_rows] == 1
            counts[target].append((int((flagged & actual).sum()), int(flagged.sum()), int(actual.sum())))
        print(f"outer fold {number}/{FOLDS} done", flush=True)
    for target, folds in counts.items():
        true_pos, flagged, positives = np.array(folds).sum(axis=0)
        per_fold = ", ".join(f"{t / max(1, f):.3f}/{t / max(1, p):.3f}" for t, f, p in folds)
        print(f"recall target {target}: unseen precision={true_pos / flagged:.3f} recall={true_pos / positives:.3f} "
              f"(per fold precision/recall: {per_fold})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
