"""The trained intent classifier: a multinomial logistic regression over the e5 query embedding.

P(intent | message) = softmax(W·v + b) over every intent in `labels.INTENTS`; the probability that a
message needs a person is the sum over the NEEDS_PERSON intents — the complement of "this is an
answerable information request". The weights are built by `python -m shared.ai.intent.train` from
the labelled messages in `bench/data/intents/` and belong to one embedding model: vectors from
another model mean nothing to them, so the file is chosen by the model id (`EMBEDDINGS_MODEL_ID`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
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

    def intent_scores(self, vector: np.ndarray) -> dict[str, float]:
        logits = self.weights @ vector + self.biases
        exp = np.exp(logits - logits.max())
        return dict(zip(self.intents, (exp / exp.sum()).tolist()))

    @staticmethod
    def p_human_of(scores: dict[str, float]) -> float:
        return float(sum(p for intent, p in scores.items() if intent in NEEDS_PERSON))


def model_path(embedding_model: str) -> Path:
    return MODELS_DIR / f"{model_file_stem(embedding_model)}.npz"


def save_model(model: IntentModel, path: Path | None = None) -> Path:
    path = path or model_path(model.embedding_model)
    path.parent.mkdir(parents=True, exist_ok=True)
    meta = {**model.metadata, "embedding_model": model.embedding_model, "intents": list(model.intents),
            "human_threshold": model.human_threshold, "handoff_threshold": model.handoff_threshold}
    with path.open("wb") as out:  # np.savez adds ".npz" to a str path; a file object keeps the name
        np.savez_compressed(out, weights=model.weights.astype(np.float32), biases=model.biases.astype(np.float32),
                            metadata=np.frombuffer(json.dumps(meta, sort_keys=True).encode(), dtype=np.uint8))
    return path


def read_model(path: Path) -> IntentModel:
    with np.load(path, allow_pickle=False) as data:
        meta = json.loads(bytes(data["metadata"]).decode())
        return IntentModel(
            embedding_model=meta["embedding_model"], intents=tuple(meta["intents"]),
            weights=data["weights"].astype(np.float64), biases=data["biases"].astype(np.float64),
            human_threshold=float(meta["human_threshold"]), handoff_threshold=float(meta["handoff_threshold"]),
            metadata=meta)


@lru_cache(maxsize=4)
def load_model(embedding_model: str) -> IntentModel:
    path = model_path(embedding_model)
    if not path.exists():
        raise NoIntentModel(f"no intent classifier trained for embedding model {embedding_model!r} ({path})")
    return read_model(path)
