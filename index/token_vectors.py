"""A text's word pieces and their contextual vectors, as every embedding backend returns them."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TokenVectors:
    """A text's word pieces (without [CLS] and [SEP]) and their contextual vectors, each
    L2-normalised: what a question and a sentence are aligned on, piece by piece."""

    pieces: list[str]
    vectors: np.ndarray  # pieces × dimension, float32

    @classmethod
    def of(cls, pieces: list[str], hidden: np.ndarray) -> TokenVectors:
        norms = np.clip(np.linalg.norm(hidden, axis=1, keepdims=True), 1e-12, None)
        vectors = np.ascontiguousarray(hidden / norms, dtype=np.float32)
        vectors.setflags(write=False)  # shared by the caches' readers across threads
        return cls(list(pieces), vectors)
