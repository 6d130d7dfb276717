"""The trained intent classifier: a multinomial logistic regression over the e5 query embedding and
the message's character n-grams.

P(intent | message) = softmax(W·v + T·t + b) over every intent in `labels.INTENTS`, where v is the e5
query embedding the agent computes anyway and t the message's TF-IDF character n-grams (cheap, no
model call). The embedding carries the topic; the n-grams carry the small words it blurs — "nie
reklamuję", "pytam zanim zamówię", "just double-checking" — that separate a question about a problem
from the problem itself. The probability that a message needs a person is the sum over the
NEEDS_PERSON intents — the complement of "this is an answerable information request". The weights are
built by `python -m shared.ai.intent.train` from the labelled messages in `bench/data/intents/` and
belong to one embedding model: vectors from another model mean nothing to them, so the file is chosen
by the model id (`EMBEDDINGS_MODEL_ID`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np

from shared.ai.intent.labels import NEEDS_PERSON
from shared.knowledge.similarity import model_file_stem

MODELS_DIR = Path(__file__).resolve().parent / "models"


class NoIntentModel(LookupError):
    """No classifier was trained for this embedding model: every message then needs a person's approval."""


@dataclass(frozen=True, slots=True)
class IntentModel:
    embedding_model: str
    intents: tuple[str, ...]
    weights: np.ndarray  # (intents, dimensions)
    biases: np.ndarray  # (intents,)
    # At or above: the message is not left to the AI alone (chosen by cross-validation for recall).
    human_threshold: float
    # At or above: a clear case for a person, handed off without an AI draft.
    handoff_threshold: float
    metadata: dict
    # The n-gram part; None for a model over the embedding alone.
    text_features: TextFeatures | None = None

    def intent_scores(self, vector: np.ndarray, text: str = "") -> dict[str, float]:
        logits = self.weights @ vector + self.biases
        if self.text_features is not None:
            logits = logits + self.text_features.logits(text)
        exp = np.exp(logits - logits.max())
        return dict(zip(self.intents, (exp / exp.sum()).tolist()))

    @staticmethod
    def p_human_of(scores: dict[str, float]) -> float:
        return float(sum(p for intent, p in scores.items() if intent in NEEDS_PERSON))


# How a message becomes n-gram features: identical in training and inference (the vocabulary and idf
# are learned from the train split and shipped in the model file).
NGRAMS = {"strip_accents": "unicode", "lowercase": True, "analyzer": "char_wb", "ngram_range": (2, 5),
          "sublinear_tf": True}


@dataclass(frozen=True)  # no slots: cached_property keeps the built vectorizer in the instance
class TextFeatures:
    vocabulary: tuple[str, ...]
    idf: np.ndarray  # (ngrams,)
    weights: np.ndarray  # (intents, ngrams)

    @cached_property
    def vectorizer(self):  # noqa: ANN201 - a fitted scikit-learn TfidfVectorizer
        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(**NGRAMS, vocabulary={g: i for i, g in enumerate(self.vocabulary)})
        vectorizer.idf_ = self.idf
        return vectorizer

    def logits(self, text: str) -> np.ndarray:
        row = self.vectorizer.transform([text])  # sparse (1, ngrams), l2-normalised
        return np.asarray(row @ self.weights.T).ravel()


def model_path(embedding_model: str) -> Path:
    return MODELS_DIR / f"{model_file_stem(embedding_model)}.npz"


def save_model(model: IntentModel, path: Path | None = None) -> Path:
    path = path or model_path(model.embedding_model)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {**model.metadata, "embedding_model": model.embedding_model, "intents": list(model.intents),
            "human_threshold": model.human_threshold, "handoff_threshold": model.handoff_threshold}
    arrays = {"weights": model.weights.astype(np.float32), "biases": model.biases.astype(np.float32),
              "metadata": _bytes_array(json.dumps(meta, sort_keys=True))}
    if model.text_features is not None:
        arrays |= {"text_vocabulary": _bytes_array(json.dumps(model.text_features.vocabulary, ensure_ascii=False)),
                   "text_idf": model.text_features.idf.astype(np.float64),
                   "text_weights": model.text_features.weights.astype(np.float32)}
    with path.open("wb") as out:  # np.savez adds ".npz" to a str path; a file object keeps the name
        np.savez_compressed(out, **arrays)
    return path


def _bytes_array(text: str) -> np.ndarray:
    return np.frombuffer(text.encode(), dtype=np.uint8)


def read_model(path: Path) -> IntentModel:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(bytes(data["metadata"]).decode())
        text_features = None
        if "text_weights" in data:
            text_features = TextFeatures(tuple(json.loads(bytes(data["text_vocabulary"]).decode())),
                                         data["text_idf"].astype(np.float64), data["text_weights"].astype(np.float64))
        return IntentModel(
            embedding_model=meta["embedding_model"], intents=tuple(meta["intents"]),
            weights=data["weights"].astype(np.float64), biases=data["biases"].astype(np.float64),
            human_threshold=float(meta["human_threshold"]), handoff_threshold=float(meta["handoff_threshold"]),
            metadata=meta, text_features=text_features)


@lru_cache(maxsize=4)
def load_model(embedding_model: str) -> IntentModel:
    path = model_path(embedding_model)
    if not path.exists():
        raise NoIntentModel(f"no intent classifier trained for embedding model {embedding_model!r} ({path})")
    return read_model(path)
