"""Build the intent classifier from the labelled messages: `python -m shared.ai.intent.train`.

Reproducible: the same train split and the same embedding server give the same weights (lbfgs is
deterministic, folds are fixed). Nothing is tuned by hand: the regularisation is picked by k-fold
cross-validation on the train split, and both thresholds are read off out-of-fold probabilities of
the whole decision (rules OR classifier, as `decision.assess` combines them): the human threshold is
the highest that still catches TARGET_RECALL of the messages that need a person; above the handoff
threshold a person was needed in HANDOFF_PRECISION of cases. The frozen test split is never read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import numpy as np

from shared.ai.intent import dataset
from shared.ai.intent.decision import rules_verdict
from shared.ai.intent.labels import INTENTS, NEEDS_PERSON
from shared.ai.intent.model import IntentModel, model_path, save_model
from shared.ai.intent.vectors import embed_for_classifier
from shared.knowledge.similarity import embedding_model_id

TARGET_RECALL = 0.97
HANDOFF_PRECISION = 0.97
C_GRID = (8.0, 16.0, 32.0, 64.0)
FOLDS = 5
_PERSON = np.array([intent in NEEDS_PERSON for intent in INTENTS])


def _classifier(c: float):  # noqa: ANN202 - scikit-learn is a training-only dependency
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000)


def _folds(y: np.ndarray):  # noqa: ANN202
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=7).split(np.zeros(len(y)), y))


def _full_probabilities(clf, x: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """Columns in INTENTS order, zeros for an intent a fold never saw."""
    probabilities = np.zeros((len(x), len(INTENTS)))
    probabilities[:, clf.classes_] = clf.predict_proba(x)
    return probabilities


def out_of_fold(x: np.ndarray, primary: np.ndarray, needs_human: np.ndarray, c: float) -> np.ndarray:
    probabilities = np.zeros((len(x), len(INTENTS)))
    for train_idx, held_idx in _folds(needs_human):
        clf = _classifier(c).fit(x[train_idx], primary[train_idx])
        probabilities[held_idx] = _full_probabilities(clf, x[held_idx])
    return probabilities


def threshold_for_recall(p: np.ndarray, y: np.ndarray, caught_by_rules: np.ndarray, recall: float) -> float:
    """Highest t with recall(rules OR p ≥ t) ≥ `recall`: only the positives the rules miss need t."""
    needed = int(np.ceil(recall * y.sum())) - int((y & caught_by_rules).sum())
    rest = np.sort(p[(y == 1) & ~caught_by_rules])[::-1]
    if needed <= 0 or len(rest) == 0:
        return float(rest[0]) if len(rest) else 0.5
    return float(rest[min(needed, len(rest)) - 1])


def threshold_for_precision(p: np.ndarray, y: np.ndarray, precision: float, floor: float) -> float:
    for t in np.unique(np.concatenate([[floor], p[p >= floor]])):
        chosen = p >= t
        if chosen.any() and y[chosen].mean() >= precision:
            return float(t)
    return 1.0


def precision_recall(predicted: np.ndarray, actual: np.ndarray) -> tuple[float, float]:
    true_pos = float(np.sum(predicted & actual))
    return true_pos / max(1, int(predicted.sum())), true_pos / max(1, int(actual.sum()))


def fit(x: np.ndarray, examples: list[dataset.Example], embedding_model: str, digest: str,
        report=print, c_grid: tuple[float, ...] = C_GRID) -> IntentModel:  # noqa: ANN001
    y = np.array([e.needs_human for e in examples], dtype=int)
    primary = primary_intents(examples)
    ruled = np.array([rules_verdict(e.text) is not None for e in examples])
    candidates = {}
    for c in c_grid:
        p_human = out_of_fold(x, primary, y, c)[:, _PERSON].sum(axis=1)
        t = threshold_for_recall(p_human, y, ruled, TARGET_RECALL)
        candidates[c] = (precision_recall(ruled | (p_human >= t), y == 1)[0], t)
    best_c = max(c_grid, key=lambda c: candidates[c][0])
    oof = out_of_fold(x, primary, y, best_c)
    p_human = oof[:, _PERSON].sum(axis=1)
    human_threshold = threshold_for_recall(p_human, y, ruled, TARGET_RECALL)
    handoff_threshold = max(human_threshold, threshold_for_precision(p_human, y, HANDOFF_PRECISION, human_threshold))
    combined = precision_recall(ruled | (p_human >= human_threshold), y == 1)
    alone = precision_recall(p_human >= human_threshold, y == 1)
    rules_only = precision_recall(ruled, y == 1)
    report(f"C={best_c} (out-of-fold precision at recall {TARGET_RECALL} per C: "
           f"{ {c: round(v[0], 3) for c, v in candidates.items()} })")
    report(f"needsHuman, {FOLDS}-fold out-of-fold, human threshold {human_threshold:.3f}, handoff threshold "
           f"{handoff_threshold:.3f}:\n  rules alone       precision={rules_only[0]:.3f} recall={rules_only[1]:.3f}\n"
           f"  classifier alone  precision={alone[0]:.3f} recall={alone[1]:.3f}\n"
           f"  rules + classifier precision={combined[0]:.3f} recall={combined[1]:.3f}")
    per_intent = _per_intent(oof, primary, examples)
    report(f"per intent, {FOLDS}-fold out-of-fold (most likely intent vs labels; recall on the main label):")
    for intent, row in per_intent.items():
        report(f"  {intent:28s} n={row['n']:4d}  precision={row['precision']:.3f}  recall={row['recall']:.3f}")
    weights, biases = final_weights(x, primary, best_c)
    return IntentModel(
        embedding_model=embedding_model, intents=INTENTS, weights=weights, biases=biases,
        human_threshold=round(human_threshold, 4), handoff_threshold=round(handoff_threshold, 4),
        metadata={"train_sha256": digest, "examples": len(examples), "C": best_c, "folds": FOLDS,
                  "target_recall": TARGET_RECALL, "handoff_precision": HANDOFF_PRECISION,
                  "cv_needs_human": {"rules": _rounded(rules_only), "classifier": _rounded(alone),
                                     "combined": _rounded(combined)},
                  "cv_per_intent": per_intent})


def final_weights(x: np.ndarray, primary: np.ndarray, c: float) -> tuple[np.ndarray, np.ndarray]:
    """The shipped weights: one fit on the whole train split; an intent it never saw can never win."""
    clf = _classifier(c).fit(x, primary)
    weights, biases = np.zeros((len(INTENTS), x.shape[1])), np.full(len(INTENTS), -50.0)
    weights[clf.classes_], biases[clf.classes_] = clf.coef_, clf.intercept_
    return weights, biases


def primary_intents(examples: list[dataset.Example]) -> np.ndarray:
    return np.array([INTENTS.index(e.intents[0]) for e in examples])


def _rounded(pair: tuple[float, float]) -> dict:
    return {"precision": round(pair[0], 3), "recall": round(pair[1], 3)}


def _per_intent(oof: np.ndarray, primary: np.ndarray, examples: list[dataset.Example]) -> dict:
    predicted = oof.argmax(axis=1)
    rows = {}
    for index, intent in enumerate(INTENTS):
        chosen = predicted == index
        right = np.array([intent in e.intents for e in examples])
        main = primary == index
        rows[intent] = {"n": int(main.sum()),
                        "precision": round(float((chosen & right).sum() / max(1, chosen.sum())), 3),
                        "recall": round(float((chosen & main).sum() / max(1, main.sum())), 3)}
    return rows


async def embed_examples(examples: list[dataset.Example]) -> np.ndarray:
    from shared.infra.embeddings import Embedder

    embedder = Embedder()
    try:
        return np.asarray(await embed_for_classifier(embedder, [e.text for e in examples]))
    finally:
        await embedder.close()


def train(data: Path, out: Path | None = None, report=print,  # noqa: ANN001
          c_grid: tuple[float, ...] = C_GRID) -> tuple[IntentModel, Path]:
    examples = dataset.read_examples(data)
    embedding_model = embedding_model_id()
    report(f"embedding {len(examples)} messages with {embedding_model} …")
    model = fit(asyncio.run(embed_examples(examples)), examples, embedding_model, dataset.file_digest(data), report, c_grid)
    return model, save_model(model, out or model_path(embedding_model))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.ai.intent.train", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=dataset.TRAIN_FILE, help="labelled JSON lines (default: the train split)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the model (default: the embedding model's file)")
    args = parser.parse_args(argv)
    _, path = train(args.data, args.out)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
