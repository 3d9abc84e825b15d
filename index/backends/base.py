"""The interface every search backend implements (what the retriever needs from it)."""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np


class SearchBackend(ABC):
    """Ranks chunk rows of one index generation; rows are the order of ``records.sqlite``."""

    name: str

    @property
    @abstractmethod
    def has_dense(self) -> bool:
        """Whether dense vectors can be searched (the model is a separate matter)."""

    @abstractmethod
    def dense(self, vector: np.ndarray, depth: int) -> list[tuple[int, float]]:
        """The ``depth`` best rows by cosine, best first."""

    @abstractmethod
    def sparse(self, tokens: list[str], depth: int) -> list[tuple[int, float]]:
        """The ``depth`` best rows by BM25 over the index tokenizer's ``tokens``, best first."""

    def describe(self) -> str:
        return self.name

    def close(self) -> None:
        """Release connections (nothing to do for in-memory stores)."""
