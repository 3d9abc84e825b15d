"""Fusing the dense and BM25 candidate lists into one ranking, vectorised with numpy:
reciprocal-rank fusion (ranks only) or a convex combination of normalised scores (what txtai
and Weaviate do), normalised by min-max, z-score or distribution (DBSF: mean ± 3σ)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

METHODS = ("rrf", "minmax", "zscore", "dbsf")


@dataclass(frozen=True)
class FusionSettings:
    """``rrf``: ``Σ weight / (rrf_k + rank)``. The others: ``dense_weight·n(dense) +
    bm25_weight·n(bm25)`` with ``n`` the normalisation over that ranker's candidates; a row
    missing from one list gets that list's lowest normalised score. Each ranker gives its
    top ``depth`` (the product's 100). The default, z-scores with equal weights, was chosen on
    SciFact train and the SQuAD set together (``bench/tune_retrieval.py``: mean nDCG@10 of
    both); RRF with k 10 and dense weight 1.25 was best on SciFact alone."""

    method: str = "zscore"
    rrf_k: int = 10
    dense_weight: float = 0.5
    bm25_weight: float = 0.5
    depth: int = 100

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"unknown fusion {self.method!r}: one of {', '.join(METHODS)}")

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Fused:
    """Fused rows, best first, with each row's rank in the two input lists (0: absent)."""

    rows: np.ndarray
    scores: np.ndarray
    dense_ranks: np.ndarray
    bm25_ranks: np.ndarray


def fuse(dense: list[tuple[int, float]], bm25: list[tuple[int, float]], k: int,
         settings: FusionSettings = FusionSettings()) -> Fused:
    """The top ``k`` of the fused ranking; each row appears once. Ties go to the row with the
    better single-list rank, then the lower row number (deterministic)."""
    dense_rows = np.fromiter((r for r, _ in dense), dtype=np.int64, count=len(dense))
    bm25_rows = np.fromiter((r for r, _ in bm25), dtype=np.int64, count=len(bm25))
    rows, inverse = np.unique(np.concatenate([dense_rows, bm25_rows]), return_inverse=True)
    dense_ranks = np.zeros(len(rows), dtype=np.int64)
    bm25_ranks = np.zeros(len(rows), dtype=np.int64)
    dense_ranks[inverse[: len(dense)]] = np.arange(1, len(dense) + 1)
    bm25_ranks[inverse[len(dense):]] = np.arange(1, len(bm25) + 1)
    if settings.method == "rrf":
        scores = (np.where(dense_ranks > 0, settings.dense_weight / (settings.rrf_k + dense_ranks), 0.0)
                  + np.where(bm25_ranks > 0, settings.bm25_weight / (settings.rrf_k + bm25_ranks), 0.0))
    else:
        scores = np.zeros(len(rows))
        for weight, ranked, positions in ((settings.dense_weight, dense, inverse[: len(dense)]),
                                          (settings.bm25_weight, bm25, inverse[len(dense):])):
            if not ranked:
                continue
            normalised = _normalise(np.fromiter((s for _, s in ranked), dtype=np.float64, count=len(ranked)),
                                    settings.method)
            floor = normalised.min()  # what a row absent from this list gets
            scores += weight * floor
            scores[positions] += weight * (normalised - floor)
    best_single = np.minimum(np.where(dense_ranks > 0, dense_ranks, 1 << 30),
                             np.where(bm25_ranks > 0, bm25_ranks, 1 << 30))
    order = np.lexsort((rows, best_single, -scores))[:k]
    return Fused(rows[order], scores[order], dense_ranks[order], bm25_ranks[order])


def _normalise(values: np.ndarray, method: str) -> np.ndarray:
    """Scores of one candidate list mapped to about [0, 1]."""
    if len(values) == 0:
        return values
    if method == "minmax":
        low, high = values.min(), values.max()
    elif method == "zscore":
        spread = values.std()
        return (values - values.mean()) / spread if spread > 0 else np.ones_like(values)
    else:  # dbsf: the mean ± 3 standard deviations as the range
        low, high = values.mean() - 3 * values.std(), values.mean() + 3 * values.std()
    return (values - low) / (high - low) if high > low else np.ones_like(values)
