"""BM25 precomputed into a sparse matrix (the bm25s layout, compressed sparse columns
held as three numpy arrays): a query sums a few columns instead of scoring every document in
Python. Three published variants (Kamphuis et
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

from index.sparse_columns import Columns

VARIANTS = ("lucene", "atire", "okapi")
COMMON_SHARE = 10  # terms in more than 1/10 of the rows are bounded, not summed, in ``top``


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
        self._matrix = Columns.of(rows, columns, weights, (self.corpus_size, len(vocabulary)))
        self._column_max = _column_max(self._matrix)

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

    def _terms(self, query: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The query's known terms as column ids and how often each occurs in it."""
        terms = Counter(self._vocabulary[t] for t in query if t in self._vocabulary)
        return (np.fromiter(terms.keys(), dtype=np.int64, count=len(terms)),
                np.fromiter(terms.values(), dtype=np.float32, count=len(terms)))

    def get_scores(self, query: list[str]) -> np.ndarray:
        ids, multiplicity = self._terms(query)
        if not len(ids):
            return np.zeros(self.corpus_size, dtype=np.float64)
        return self._matrix.product(ids, multiplicity).astype(np.float64)

    def scores_of(self, query: list[str], rows: np.ndarray) -> np.ndarray:
        """The scores of ascending ``rows``, equal to ``get_scores`` at them, from their postings."""
        ids, multiplicity = self._terms(query)
        if not len(ids):
            return np.zeros(len(rows), dtype=np.float64)
        return self._scores_at(np.asarray(rows), ids, multiplicity).astype(np.float64)

    def top(self, query: list[str], depth: int) -> list[tuple[int, float]]:
        """``(row, score)`` of the ``depth`` best positive scores, best first (ties: lower row),
        equal to ranking ``get_scores``, without scoring every row. The terms in more than a
        tenth of the rows are set aside; the rest are summed over their postings only, and a row
        can reach the top only if that partial sum plus the set-aside terms' largest weights
        reaches the ``depth``-th best partial sum. Those rows are then scored exactly."""
        ids, multiplicity = self._terms(query)
        if not len(ids) or depth <= 0:
            return []
        matrix = self._matrix
        starts, ends = matrix.indptr[ids], matrix.indptr[ids + 1]
        common = (ends - starts) > self.corpus_size // COMMON_SHARE
        if common.all() or not common.any():
            return top_positive(self.get_scores(query), depth)
        partial = np.zeros(self.corpus_size, dtype=np.float32)
        for i in np.flatnonzero(~common):  # rows of a column are distinct: plain fancy-index adds
            partial[matrix.indices[starts[i]:ends[i]]] += matrix.data[starts[i]:ends[i]] * multiplicity[i]
        touched = np.flatnonzero(partial > 0)  # a bool scan: ~2x faster than flatnonzero on floats
        partial = partial[touched]
        if len(touched) < depth:
            return top_positive(self.get_scores(query), depth)
        kth = np.partition(partial, len(partial) - depth)[len(partial) - depth]
        slack = float((self._column_max[ids[common]] * multiplicity[common]).sum(dtype=np.float64))
        if slack * (1 + 1e-6) >= kth:  # a row holding only common terms could still make the top
            return top_positive(self.get_scores(query), depth)
        rows = touched[partial + slack * (1 + 1e-6) >= kth]
        scores = self._scores_at(rows, ids, multiplicity)
        order = np.lexsort((rows, -scores))[:depth]
        return [(int(rows[j]), float(scores[j])) for j in order if scores[j] > 0]

    def _scores_at(self, rows: np.ndarray, ids: np.ndarray, multiplicity: np.ndarray) -> np.ndarray:
        """The scores of sorted ``rows``, summed term by term in query order (float32, as the
        matrix product sums them, so equal to ``get_scores`` bit for bit)."""
        matrix, scores = self._matrix, np.zeros(len(rows), dtype=np.float32)
        rows = rows.astype(matrix.indices.dtype)  # as the postings: searchsorted would copy them otherwise
        for term, times in zip(ids, multiplicity):
            postings = matrix.indices[matrix.indptr[term]:matrix.indptr[term + 1]]
            if not len(postings):  # a vocabulary word no row holds
                continue
            weights = matrix.data[matrix.indptr[term]:matrix.indptr[term + 1]]
            at = np.minimum(np.searchsorted(postings, rows), len(postings) - 1)
            found = postings[at] == rows
            scores[found] += weights[at[found]] * times
        return scores

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
    def problem(cls, folder: Path) -> str | None:
        """What is wrong with a saved matrix, from the arrays' headers and lengths and the end of
        the vocabulary (nothing parsed or summed: cheap before every build); None when whole."""
        try:
            data, indices, indptr, idf = (np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                                          for name in cls._ARRAYS)
            with (folder / "vocabulary.json").open("rb") as handle:
                handle.seek(-1, 2)
                ends = handle.read(1) == b"}"
        except (OSError, ValueError, EOFError) as error:
            return str(error).replace(str(folder), folder.name)
        stored = int(indptr[-1]) if len(indptr) else 0
        if not ends or len(indptr) != len(idf) + 1 or not len(data) == len(indices) == stored:
            return "arrays or vocabulary cut short"
        return None

    @classmethod
    def load(cls, folder: Path) -> SparseBM25:
        """Open a saved matrix without tokenizing anything; arrays are memory-mapped."""
        meta = json.loads((folder / "vocabulary.json").read_text(encoding="utf-8"))
        data, indices, indptr, idf = (np.load(folder / f"{name}.npy", mmap_mode="r", allow_pickle=False)
                                      for name in cls._ARRAYS)
        index = cls.__new__(cls)
        index.variant, index.corpus_size = meta["variant"], meta["corpus_size"]
        index._vocabulary = {term: i for i, term in enumerate(meta["terms"])}
        index.idf = dict(zip(meta["terms"], idf.tolist()))
        index._matrix = Columns(data, indices, indptr, (index.corpus_size, len(meta["terms"])))
        index._column_max = _column_max(index._matrix)
        return index

    @property
    def nbytes(self) -> int:
        m = self._matrix
        return int(m.data.nbytes + m.indices.nbytes + m.indptr.nbytes)


def top_positive(scores: np.ndarray, depth: int) -> list[tuple[int, float]]:
    """Indices and values of the ``depth`` largest positive scores, largest first; ties are
    broken by lower index, also at the cut (every row tied with the last one competes)."""
    positive = np.flatnonzero(scores > 0)
    if positive.size > depth:
        values = scores[positive]
        last = np.partition(values, values.size - depth)[values.size - depth]
        positive = positive[values >= last]
    order = np.lexsort((positive, -scores[positive]))[:depth]
    return [(int(positive[i]), float(scores[positive[i]])) for i in order]


def _column_max(matrix) -> np.ndarray:
    """Each term's largest weight: its score bound for MaxScore (0 for an empty column)."""
    nonempty = np.diff(matrix.indptr) > 0
    result = np.zeros(matrix.shape[1], dtype=np.float32)
    if matrix.nnz:
        result[nonempty] = np.maximum.reduceat(np.asarray(matrix.data), matrix.indptr[:-1][nonempty])
    return result
