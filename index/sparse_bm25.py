"""BM25Okapi with rank-bm25's exact formula, precomputed into a scipy.sparse matrix (the
bm25s layout): a query sums a few columns instead of scoring every document in Python."""

from __future__ import annotations

from collections import Counter

import numpy as np


class SparseBM25:
    """Drop-in for ``rank_bm25.BM25Okapi``: the same ``idf`` and ``get_scores`` values."""

    def __init__(self, corpus: list[list[str]], k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> None:
        vocabulary: dict[str, int] = {}
        ids = [vocabulary.setdefault(token, len(vocabulary)) for tokens in corpus for token in tokens]
        lengths = np.fromiter((len(tokens) for tokens in corpus), dtype=np.int64, count=len(corpus))
        self._build(vocabulary, np.asarray(ids, dtype=np.int64), lengths, k1, b, epsilon)

    @classmethod
    def from_token_ids(cls, vocabulary: dict[str, int], token_ids: np.ndarray, lengths: np.ndarray,
                       k1: float = 1.5, b: float = 0.75, epsilon: float = 0.25) -> SparseBM25:
        """Build from the concatenated token ids of all documents and their lengths."""
        index = cls.__new__(cls)
        index._build(vocabulary, token_ids, lengths, k1, b, epsilon)
        return index

    def _build(self, vocabulary: dict[str, int], token_ids: np.ndarray, lengths: np.ndarray,
               k1: float, b: float, epsilon: float) -> None:
        from scipy import sparse

        self.corpus_size = len(lengths)
        self._vocabulary = vocabulary
        rows = np.repeat(np.arange(self.corpus_size, dtype=np.int64), lengths)
        pairs, tf = np.unique(rows * len(vocabulary) + token_ids, return_counts=True)
        rows, columns = np.divmod(pairs, len(vocabulary))
        document_frequency = np.bincount(columns, minlength=len(vocabulary))
        idf = np.log(self.corpus_size - document_frequency + 0.5) - np.log(document_frequency + 0.5)
        floor = epsilon * (idf.sum() / len(idf)) if len(idf) else 0.0
        idf = np.where(idf < 0, floor, idf)
        self.idf = dict(zip(vocabulary, idf.tolist()))
        norm = k1 * (1 - b + b * lengths[rows] / (lengths.sum() / max(1, self.corpus_size)))
        weights = (idf[columns] * tf * (k1 + 1) / (tf + norm)).astype(np.float32)
        self._matrix = sparse.csc_matrix((weights, (rows, columns)), shape=(self.corpus_size, len(vocabulary)))

    def get_scores(self, query: list[str]) -> np.ndarray:
        terms = Counter(self._vocabulary[t] for t in query if t in self._vocabulary)
        if not terms:
            return np.zeros(self.corpus_size, dtype=np.float64)
        ids = np.fromiter(terms.keys(), dtype=np.int32)
        multiplicity = np.fromiter(terms.values(), dtype=np.float32)
        return np.asarray(self._matrix[:, ids] @ multiplicity, dtype=np.float64).ravel()

    @property
    def nbytes(self) -> int:
        m = self._matrix
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes)

