"""This machine: FAISS (flat or HNSW) for dense vectors, the saved BM25 matrix for sparse."""

from __future__ import annotations

import numpy as np

from ..dense import search_dense
from ..lexical import LexicalIndex
from .base import Scope, SearchBackend


class LocalBackend(SearchBackend):
    name = "local"

    def __init__(self, dense_index, lexical: LexicalIndex) -> None:
        self.dense_index, self.lexical = dense_index, lexical

    @property
    def has_dense(self) -> bool:
        return self.dense_index is not None

    def dense(self, vector: np.ndarray, depth: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        return search_dense(self.dense_index, vector, depth, None if scope is None else scope.rows)

    def sparse(self, tokens: list[str], depth: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        return self.lexical.search(tokens, depth, None if scope is None else scope.rows)

    def scores_at(self, vector: np.ndarray, tokens: list[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Cosines from the vectors FAISS stores (flat and HNSW alike), BM25 from the postings."""
        cosines = self.dense_index.reconstruct_batch(rows) @ vector if len(rows) else np.zeros(0)
        return cosines, self.lexical.scores_at(tokens, rows)
