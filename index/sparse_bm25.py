"""BM25 precomputed into a scipy.sparse matrix (the bm25s layout): a query sums a few
columns instead of scoring every document in Python. Three published variants (Kamphuis et
al., ECIR 2020), each tested for parity with a reference implementation:

- ``lucene`` (Lucene ≥ 8, Elasticsearch, OpenSearch, bm25s' default): ``idf = log(1 + (N − n +
  0.5) / (n + 0.5))``, never negative however common the term; ``tf / (tf + k1·norm)``.
  Reference: bm25s ``method="lucene"``.
- ``atire``: ``idf = log(N / n)``; ``tf·(k1 + 1) / (tf + k1·norm)``. Reference: bm25s.
- ``okapi``: rank-bm25's ``BM25Okapi``: ``idf = log((N − n + 0.5) / (n + 0.5))``, where a negative
  idf (a term in more than half the chunks) is replaced by ``epsilon × mean idf``; tf as ATIRE.
  It inverts: a term in most chunks can outweigh a rarer one, and on a one-chunk corpus every
  term is "common", so nothing scores. Reference: rank-bm25.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import numpy as np

VARIANTS = ("lucene", "atire", "okapi")


class SparseBM25:
    """``idf`` and ``get_scores`` as the variant's reference implementation gives them."""

    def __init__(self, corpus: list[list[str]], k1: float = 1.5, b: float = 0.75, variant: str = "lucene",
                 epsilon: float = 0.25) -> None:
        vocabulary: dict[str, int] = {}
        ids = [vocabulary.setdefault(token, len(vocabulary)) for tokens in corpus for token in tokens]
        lengths = np.fromiter((len(tokens) for tokens in corpus), dtype=np.int64, count=len(corpus))
        self._build(vocabulary, np.asarray(ids, dtype=np.int64), lengths, k1, b, variant, epsilon)

    @classmethod
    def from_token_ids(cls, vocabulary: dict[str, int], token_ids: np.ndarray, lengths: np.ndarray,
                       k1: float = 1.5, b: float = 0.75, variant: str = "lucene",
                       epsilon: float = 0.25) -> SparseBM25:
        """Build from the concatenated token ids of all documents and their lengths."""
        index = cls.__new__(cls)
        index._build(vocabulary, token_ids, lengths, k1, b, variant, epsilon)
        return index

    def _build(self, vocabulary: dict[str, int], token_ids: np.ndarray, lengths: np.ndarray,
               k1: float, b: float, variant: str, epsilon: float) -> None:
        from scipy import sparse

        if variant not in VARIANTS:
            raise ValueError(f"unknown BM25 variant {variant!r}: one of {', '.join(VARIANTS)}")
        self.variant, self.corpus_size = variant, len(lengths)
        self._vocabulary = vocabulary
        rows = np.repeat(np.arange(self.corpus_size, dtype=np.int64), lengths)
        pairs, tf = np.unique(rows * len(vocabulary) + token_ids, return_counts=True)
        rows, columns = np.divmod(pairs, len(vocabulary))
        document_frequency = np.bincount(columns, minlength=len(vocabulary))
        idf = self._idf(document_frequency.astype(np.float64), epsilon)
        self.idf = dict(zip(vocabulary, idf.tolist()))
        norm = k1 * (1 - b + b * lengths[rows] / (lengths.sum() / max(1, self.corpus_size)))
        saturation = tf / (tf + norm) if variant == "lucene" else tf * (k1 + 1) / (tf + norm)
        weights = (idf[columns] * saturation).astype(np.float32)
        self._matrix = sparse.csc_matrix((weights, (rows, columns)), shape=(self.corpus_size, len(vocabulary)))

    def _idf(self, document_frequency: np.ndarray, epsilon: float) -> np.ndarray:
        n, total = document_frequency, self.corpus_size
        if self.variant == "lucene":
            return np.log1p((total - n + 0.5) / (n + 0.5))
        if self.variant == "atire":
            return np.log(total / np.maximum(n, 1))
        idf = np.log(total - n + 0.5) - np.log(n + 0.5)
        floor = epsilon * (idf.sum() / len(idf)) if len(idf) else 0.0
        return np.where(idf < 0, floor, idf)

    def idf_of(self, term: str) -> float:
        """The term's idf; a term no chunk holds gets the variant's value at n = 0 (ATIRE,
        undefined there, gets its value at n = 1, the rarest a seen term can be)."""
        if term in self.idf:
            return self.idf[term]
        if self.variant == "atire":
            return float(np.log(self.corpus_size))
        return float(self._idf(np.zeros(1), 0.0)[0]) if self.variant == "lucene" else \
            float(np.log(self.corpus_size + 0.5) - np.log(0.5))

    def get_scores(self, query: list[str]) -> np.ndarray:
        terms = Counter(self._vocabulary[t] for t in query if t in self._vocabulary)
        if not terms:
            return np.zeros(self.corpus_size, dtype=np.float64)
        ids = np.fromiter(terms.keys(), dtype=np.int32)
        multiplicity = np.fromiter(terms.values(), dtype=np.float32)
        return np.asarray(self._matrix[:, ids] @ multiplicity, dtype=np.float64).ravel()

    # --- persisted form: plain arrays beside the records, memory-mapped on open (no pickles) ---

    _ARRAYS = ("data", "indices", "indptr", "idf")

    def save(self, folder: Path) -> None:
        """Write the matrix, the idf and the vocabulary into ``folder`` (created)."""
        folder.mkdir()
        matrix = self._matrix
        for name, values in zip(self._ARRAYS, (matrix.data, matrix.indices, matrix.indptr,
                                                np.array([self.idf[t] for t in self._vocabulary]))):
            np.save(folder / f"{name}.npy", values, allow_pickle=False)
        (folder / "vocabulary.json").write_text(json.dumps(
            {"variant": self.variant, "corpus_size": self.corpus_size, "terms": list(self._vocabulary)}),
            encoding="utf-8")

    @classmethod
    def load(cls, folder: Path) -> SparseBM25:
        """Open a saved matrix without tokenizing anything; arrays are memory-mapped."""
        from scipy import sparse

        meta = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        data, indices, indptr, idf = (np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                                      for name in cls._ARRAYS)
        index = cls.__new__(cls)
        index.variant, index.corpus_size = meta["variant"], meta["corpus_size"]
        index._vocabulary = {term: i for i, term in enumerate(meta["terms"])}
        index.idf = dict(zip(meta["terms"], idf.tolist()))
        index._matrix = sparse.csc_matrix((data, indices, indptr), shape=(index.corpus_size, len(meta["terms"])),
                                          copy=False)
        return index

    @property
    def nbytes(self) -> int:
        m = self._matrix
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes)
