"""The interface every search backend implements (what the retriever needs from it)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Scope:
    """Search only these documents: their paths (for payload filters) and chunk rows (for masks)."""

    docs: tuple[str, ...]
    rows: np.ndarray  # ascending


class SearchBackend(ABC):
    """Ranks chunk rows of one index generation; rows are the order of ``records.sqlite``."""

    name: str

    @property
    @abstractmethod
    def has_dense(self) -> bool:
        """Whether dense vectors can be searched (the model is a separate matter)."""

    @abstractmethod
    def dense(self, vector: np.ndarray, depth: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        """The ``depth`` best rows (of ``scope``, if given) by cosine, best first."""

    @abstractmethod
    def sparse(self, tokens: list[str], depth: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        """The ``depth`` best rows by BM25 over the index tokenizer's ``tokens``, best first."""

    def fused(self, vector: np.ndarray, tokens: list[str], depth: int, k: int, scope: Scope | None,
              rrf_k: int, weights: tuple[float, float]) -> tuple[list, list, list] | None:
        """Hybrid fused by the backend itself: (fused top ``k``, dense list, sparse list), or
        None to let the retriever fuse the two lists (the default)."""
        return None

    def scores_at(self, vector: np.ndarray, tokens: list[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Each ranker's exact score (cosine, BM25) for ascending ``rows``: fusion gives a row
        missing from one ranker's list its real score there. None when the backend cannot tell
        cheaply (the default): such a row then gets that list's lowest."""
        return None

    def describe(self) -> str:
        return self.name

    def close(self) -> None:
        """Release connections (nothing to do for in-memory stores)."""
