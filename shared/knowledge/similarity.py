"""Similarity thresholds belong to the embedding model: one calibration file per model id.

`python -m shared.knowledge.calibrate` computes them from a labelled FAQ and writes
`shared/knowledge/calibration/<model id>.json`; `AI_GROUNDING_SIMILARITY` / `AI_CURATED_SIMILARITY` override
them per deployment. A model with no calibration file gets no silent default: the agent then treats
nothing as grounded and nothing as a curated match (every message goes to a person) and logs why.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import ClassVar

from shared.settings import Settings, load

CALIBRATION_DIR = Path(__file__).resolve().parent / "calibration"
logger = logging.getLogger("bokai.ai.thresholds")


class EmbeddingModelSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "EMBEDDINGS_"
    # The model behind the endpoint, not the server's alias: similarity thresholds and the intent
    # classifier's weights are only valid for vectors of this model.
    model_id: str = "multilingual-e5-small"


def embedding_model_id() -> str:
    return load(EmbeddingModelSettings).model_id


class ThresholdSettings(Settings, frozen=True, kw_only=True):
    env_prefix: ClassVar[str] = "AI_"
    grounding_similarity: float | None = None
    curated_similarity: float | None = None


@dataclass(frozen=True, slots=True)
class SimilarityThresholds:
    grounding: float  # a retrieved passage at or above this grounds an answer
    curated: float  # a curated question at or above this is the customer's question (sent verbatim)


UNCALIBRATED = SimilarityThresholds(grounding=1.01, curated=1.01)  # cosine never reaches it


def model_file_stem(model_id: str) -> str:
    """A model id as a file name: files trained or calibrated for a model are found by it."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in model_id)


def calibration_path(model_id: str) -> Path:
    return CALIBRATION_DIR / f"{model_file_stem(model_id)}.json"


@lru_cache(maxsize=8)
def calibrated(model_id: str) -> SimilarityThresholds:
    path = calibration_path(model_id)
    if not path.exists():
        logger.error("no similarity calibration for embedding model %s (%s): nothing counts as grounded",
                     model_id, path)
        return UNCALIBRATED
    data = json.loads(path.read_text())
    return SimilarityThresholds(grounding=float(data["grounding_similarity"]),
                                curated=float(data["curated_similarity"]))


def similarity_thresholds(model_id: str) -> SimilarityThresholds:
    overrides = load(ThresholdSettings)
    base = calibrated(model_id)
    return SimilarityThresholds(
        grounding=overrides.grounding_similarity if overrides.grounding_similarity is not None else base.grounding,
        curated=overrides.curated_similarity if overrides.curated_similarity is not None else base.curated)
