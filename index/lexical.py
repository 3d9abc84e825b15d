"""The BM25 store, built from stored tokens at load time: the sparse-matrix scorer for every
variant and size, or rank-bm25's BM25Okapi itself (the reference for the ``okapi`` variant)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from .sparse_bm25 import VARIANTS, SparseBM25, top_positive

BM25_FOLDER = "bm25"  # the saved matrix in a generation folder


@dataclass(frozen=True)
class BM25Settings:
    """The BM25 formula (see ``index/sparse_bm25.py``) and its parameters; k1 and b were tuned on
    SciFact train (0.9/0.4, Anserini's defaults; see README)."""

    variant: str = "lucene"
    k1: float = 0.9
    b: float = 0.4

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"unknown BM25 variant {self.variant!r}: one of {', '.join(VARIANTS)}")

    def as_dict(self) -> dict:
        return asdict(self)


class LexicalIndex:
    """BM25 over chunk tokens; row ``i`` is chunk row ``i``. ``backend`` is "sparse" (default)
    or "rank-bm25" (only for the okapi variant, which it defines)."""

    def __init__(self, corpus_tokens: list[list[str]], settings: BM25Settings = BM25Settings(),
                 backend: str = "sparse") -> None:
        self.size, self.settings, self.backend = len(corpus_tokens), settings, backend
        if backend not in ("sparse", "rank-bm25"):
            raise ValueError(f"unknown BM25 backend {backend!r}")
        if backend == "rank-bm25" and settings.variant != "okapi":
            raise ValueError("rank-bm25 implements the okapi variant only")
        if not corpus_tokens:  # no chunks, no scores (rank-bm25 would divide by zero)
            self._bm25 = None
        elif backend == "sparse":
            self._bm25 = SparseBM25(corpus_tokens, k1=settings.k1, b=settings.b, variant=settings.variant)
        else:
            from rank_bm25 import BM25Okapi

            self._bm25 = BM25Okapi(corpus_tokens, k1=settings.k1, b=settings.b)

    @classmethod
    def load(cls, folder: Path, settings: BM25Settings, size: int) -> LexicalIndex:
        """Open a BM25 matrix saved with ``save`` (no tokens are read or counted); ValueError
        when it is not one of ``size`` chunks in ``settings``' variant."""
        index = cls.__new__(cls)
        index.settings, index.backend = settings, "sparse"
        index._bm25 = SparseBM25.load(folder)
        index.size = index._bm25.corpus_size
        if index.size != size or index._bm25.variant != settings.variant:
            raise ValueError(f"saved BM25 matrix holds {index.size} chunks ({index._bm25.variant}), "
                             f"not {size} ({settings.variant})")
        return index

    def save(self, folder: Path) -> None:
        if not isinstance(self._bm25, SparseBM25):
            raise ValueError("only the sparse backend is saved")
        self._bm25.save(folder)

    def known(self, term: str) -> bool:
        """Whether some chunk holds the term."""
        return self._bm25 is not None and term in self._bm25.idf

    def idf(self, term: str) -> float:
        """The term's BM25 inverse document frequency; an unseen term gets the variant's highest."""
        if self._bm25 is None:
            return 0.0
        if isinstance(self._bm25, SparseBM25):
            return self._bm25.idf_of(term)
        return float(self._bm25.idf.get(term, np.log(self.size + 0.5) - np.log(0.5)))

    def scores(self, query_tokens: list[str]) -> np.ndarray:
        """Every chunk's BM25 score for the query."""
        if self._bm25 is None or not query_tokens:
            return np.zeros(self.size)
        return self._bm25.get_scores(query_tokens)

    def scores_at(self, query_tokens: list[str], rows: np.ndarray) -> np.ndarray:
        """The BM25 scores of ascending chunk ``rows`` for the query."""
        if self._bm25 is None or not query_tokens:
            return np.zeros(len(rows))
        if isinstance(self._bm25, SparseBM25):
            return self._bm25.scores_of(query_tokens, rows)
        return self.scores(query_tokens)[rows]

    def search(self, query_tokens: list[str], depth: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        """``(row, score)`` of the best ``depth`` chunks (among ``rows``, if given) with a
        positive score, best first."""
        if depth <= 0:
            return []
        if rows is None and isinstance(self._bm25, SparseBM25):
            return self._bm25.top(query_tokens, depth)  # touches only the postings that can matter
        scores = self.scores(query_tokens)
        if rows is not None:
            kept = np.zeros_like(scores)
            kept[rows] = scores[rows]
            scores = kept
        return top_positive(scores, depth)
