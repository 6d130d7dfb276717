"""Build the intent classifier from the labelled messages: `python -m shared.ai.intent.train`.

Features: the e5 query embedding (scaled by EMBEDDING_WEIGHT, so it weighs against the n-grams) beside
TF-IDF character n-grams whose vocabulary is learned from the train split (`model.NGRAMS`).
Reproducible: the same train split and the same embedding server give the same weights (lbfgs is
deterministic, folds are fixed). Nothing is tuned by hand: the regularisation and the embedding's
weight are picked by k-fold cross-validation on the train split (the grid below is what the shipped
model was chosen from; `--grid wide` re-runs the wider one, slow), and both thresholds are read off
out-of-fold probabilities of
the whole decision (rules OR classifier, as `decision.assess` combines them): the human threshold is
the highest that still catches TARGET_RECALL of the messages that need a person; above the handoff
threshold a person was needed in HANDOFF_PRECISION of cases. The frozen test split is never read.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sparse

from shared.ai.intent import dataset
from shared.ai.intent.decision import rules_verdict, text_to_classify
from shared.ai.intent.labels import INTENTS, NEEDS_PERSON
from shared.ai.intent.model import NGRAMS, IntentModel, TextFeatures, model_path, save_model
from shared.ai.intent.vectors import embed_for_classifier
from shared.knowledge.similarity import embedding_model_id

TARGET_RECALL = 0.96
HANDOFF_PRECISION = 0.97
# (C, embedding weight) pairs. Out-of-fold precision at recall 0.95 / 0.97 on the train split,
# measured with `--grid wide`: the embedding alone 0.817 / 0.753; with n-grams at weight 2 or 3 and
# C 10–30 0.862–0.872 / 0.778–0.812; weight 5–8 falls back towards the embedding alone.
GRID = ((10.0, 2.5),)
WIDE_GRID = tuple((c, w) for c in (3.0, 10.0, 30.0) for w in (2.0, 3.0, 5.0))
NGRAM_MIN_DOCS = 2  # an n-gram seen in one message only is that message's fingerprint, not a signal
FOLDS = 5
PERSON_INTENTS = np.array([intent in NEEDS_PERSON for intent in INTENTS])


def _classifier(c: float):  # noqa: ANN202
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, max_iter=5000)


def _vectorizer():  # noqa: ANN202
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(**NGRAMS, min_df=NGRAM_MIN_DOCS)


@dataclass(frozen=True)
class Inputs:
    """The train split as the classifier sees it: bounded texts and their e5 query embeddings."""
    texts: np.ndarray  # of str
    vectors: np.ndarray  # (messages, dimensions)

    def fit_features(self, rows: np.ndarray, embedding_weight: float):  # noqa: ANN201
        vectorizer = _vectorizer()
        ngrams = vectorizer.fit_transform(self.texts[rows])
        return vectorizer, self._stack(ngrams, rows, embedding_weight)

    def features(self, vectorizer, rows: np.ndarray, embedding_weight: float):  # noqa: ANN001, ANN201
        return self._stack(vectorizer.transform(self.texts[rows]), rows, embedding_weight)

    def _stack(self, ngrams, rows: np.ndarray, embedding_weight: float):  # noqa: ANN001, ANN202
        return sparse.hstack([ngrams, sparse.csr_matrix(self.vectors[rows] * embedding_weight)]).tocsr()


def _folds(y: np.ndarray):  # noqa: ANN202
    from sklearn.model_selection import StratifiedKFold

    return list(StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=7).split(np.zeros(len(y)), y))


def full_probabilities(clf, x: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """Columns in INTENTS order, zeros for an intent a fold never saw."""
    probabilities = np.zeros((x.shape[0], len(INTENTS)))
    probabilities[:, clf.classes_] = clf.predict_proba(x)
    return probabilities


def out_of_fold(inputs: Inputs, primary: np.ndarray, needs_human: np.ndarray, c: float,
                embedding_weight: float) -> np.ndarray:
    probabilities = np.zeros((len(primary), len(INTENTS)))
    for train_idx, held_idx in _folds(needs_human):
        vectorizer, clf = fit_classifier(inputs, train_idx, primary, c, embedding_weight)
        probabilities[held_idx] = full_probabilities(clf, inputs.features(vectorizer, held_idx, embedding_weight))
    return probabilities


def fit_classifier(inputs: Inputs, rows: np.ndarray, primary: np.ndarray, c: float,
                   embedding_weight: float):  # noqa: ANN201 - (fitted vectorizer, fitted classifier)
    vectorizer, features = inputs.fit_features(rows, embedding_weight)
    return vectorizer, _classifier(c).fit(features, primary[rows])


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


def fit(inputs: Inputs, examples: list[dataset.Example], embedding_model: str, digest: str,
        report=print, grid: tuple[tuple[float, float], ...] = GRID) -> IntentModel:  # noqa: ANN001
    y = np.array([e.needs_human for e in examples], dtype=int)
    primary = primary_intents(examples)
    ruled = np.array([rules_verdict(e.text) is not None for e in examples])
    candidates = {}
    for c, embedding_weight in grid:
        oof = out_of_fold(inputs, primary, y, c, embedding_weight)
        p_human = oof[:, PERSON_INTENTS].sum(axis=1)
        t = threshold_for_recall(p_human, y, ruled, TARGET_RECALL)
        candidates[c, embedding_weight] = (precision_recall(ruled | (p_human >= t), y == 1)[0], oof)
    best = max(grid, key=lambda pair: candidates[pair][0])
    best_c, embedding_weight = best
    oof = candidates[best][1]
    p_human = oof[:, PERSON_INTENTS].sum(axis=1)
    human_threshold = threshold_for_recall(p_human, y, ruled, TARGET_RECALL)
    handoff_threshold = max(human_threshold, threshold_for_precision(p_human, y, HANDOFF_PRECISION, human_threshold))
    combined = precision_recall(ruled | (p_human >= human_threshold), y == 1)
    alone = precision_recall(p_human >= human_threshold, y == 1)
    rules_only = precision_recall(ruled, y == 1)
    report(f"C={best_c} embedding weight={embedding_weight} (out-of-fold precision at recall {TARGET_RECALL} "
           f"per (C, weight): { {pair: round(v[0], 3) for pair, v in candidates.items()} })")
    report(f"needsHuman, {FOLDS}-fold out-of-fold, human threshold {human_threshold:.3f}, handoff threshold "
           f"{handoff_threshold:.3f}:\n  rules alone       precision={rules_only[0]:.3f} recall={rules_only[1]:.3f}\n"
           f"  classifier alone  precision={alone[0]:.3f} recall={alone[1]:.3f}\n"
           f"  rules + classifier precision={combined[0]:.3f} recall={combined[1]:.3f}")
    per_intent = _per_intent(oof, primary, examples)
    report(f"per intent, {FOLDS}-fold out-of-fold (most likely intent vs labels; recall on the main label):")
    for intent, row in per_intent.items():
        report(f"  {intent:28s} n={row['n']:4d}  precision={row['precision']:.3f}  recall={row['recall']:.3f}")
    weights, biases, text_features = final_weights(inputs, primary, best_c, embedding_weight)
    return IntentModel(
        embedding_model=embedding_model, intents=INTENTS, weights=weights, biases=biases,
        human_threshold=round(human_threshold, 4), handoff_threshold=round(handoff_threshold, 4),
        text_features=text_features,
        metadata={"train_sha256": digest, "examples": len(examples), "C": best_c,
                  "embedding_weight": embedding_weight, "folds": FOLDS,
                  "target_recall": TARGET_RECALL, "handoff_precision": HANDOFF_PRECISION,
                  "cv_needs_human": {"rules": _rounded(rules_only), "classifier": _rounded(alone),
                                     "combined": _rounded(combined)},
                  "cv_per_intent": per_intent})


def final_weights(inputs: Inputs, primary: np.ndarray, c: float,
                  embedding_weight: float) -> tuple[np.ndarray, np.ndarray, TextFeatures]:
    """The shipped weights: one fit on the whole train split; an intent it never saw can never win.

    The embedding's weight is folded into its coefficients, so inference uses the raw vector."""
    vectorizer, clf = fit_classifier(inputs, np.arange(len(primary)), primary, c, embedding_weight)
    ngrams = len(vectorizer.vocabulary_)
    all_weights, biases = np.zeros((len(INTENTS), clf.coef_.shape[1])), np.full(len(INTENTS), -50.0)
    all_weights[clf.classes_], biases[clf.classes_] = clf.coef_, clf.intercept_
    vocabulary = tuple(sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get))
    text_features = TextFeatures(vocabulary, vectorizer.idf_.copy(), all_weights[:, :ngrams])
    return all_weights[:, ngrams:] * embedding_weight, biases, text_features


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


async def classifier_inputs(examples: list[dataset.Example]) -> Inputs:
    texts = np.array([text_to_classify([e.text]) for e in examples], dtype=object)
    return Inputs(texts, await embed_examples(examples))


async def embed_examples(examples: list[dataset.Example]) -> np.ndarray:
    from shared.infra.embeddings import Embedder

    embedder = Embedder()
    try:
        return np.asarray(await embed_for_classifier(embedder, [e.text for e in examples]))
    finally:
        await embedder.close()


def train(data: Path, out: Path | None = None, report=print,  # noqa: ANN001
          grid: tuple[tuple[float, float], ...] = GRID) -> tuple[IntentModel, Path]:
    examples = dataset.read_examples(data)
    embedding_model = embedding_model_id()
    report(f"embedding {len(examples)} messages with {embedding_model} …")
    inputs = asyncio.run(classifier_inputs(examples))
    report(f"cross-validating {len(grid)} (C, embedding weight) pair(s), {FOLDS} folds each …")
    model = fit(inputs, examples, embedding_model, dataset.file_digest(data), report, grid)
    return model, save_model(model, out or model_path(embedding_model))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m shared.ai.intent.train", description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=dataset.TRAIN_FILE, help="labelled JSON lines (default: the train split)")
    parser.add_argument("--out", type=Path, default=None, help="where to write the model (default: the embedding model's file)")
    parser.add_argument("--grid", choices=("shipped", "wide"), default="shipped",
                        help="the (C, embedding weight) pairs to cross-validate (wide: 9 pairs, ~10× slower)")
    args = parser.parse_args(argv)
    _, path = train(args.data, args.out, grid=WIDE_GRID if args.grid == "wide" else GRID)
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
