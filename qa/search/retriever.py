"""Dense, BM25 and hybrid (fused: ``qa/search/fusion.py``) retrieval over one index generation."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, partial

import numpy as np

from index.backends import Scope, SearchBackend
from index.token_vectors import TokenVectors
from index.lexical import LexicalIndex
from index.store import RecordStore
from index.tokenization import Tokenizer

from qa.cache import VectorCache
from qa.query import FALLBACK_MODE, QueryError, check_query
from qa.records import Hit
from qa.search.fusion import ExactScores, FusionSettings, fuse


@dataclass(frozen=True)
class Ranked:
    """A chunk row's place in one search, before its text is fetched."""

    row: int
    score: float
    dense_rank: int | None
    bm25_rank: int | None


@dataclass(frozen=True)
class SearchResult:
    mode: str  # the mode that served the search: a MODES entry or FALLBACK_MODE
    hits: list[Hit]
    notice: str | None  # why the requested mode was not used, if it was not


class Retriever:
    """Searches the stores; dense parts are optional (``dense_unavailable`` says why not)."""

    def __init__(self, records: RecordStore, lexical: LexicalIndex, tokenizer: Tokenizer,
                 backend: SearchBackend, embedder=None, dense_unavailable: str | None = None,
                 fusion: FusionSettings = FusionSettings()) -> None:
        """``lexical`` gives the answer scorer its IDF; ``backend`` ranks (local or Qdrant)."""
        self.records, self.lexical, self.tokenizer = records, lexical, tokenizer
        self.backend, self.embedder = backend, embedder
        self.dense_unavailable = dense_unavailable
        self.fusion = fusion
        # a query's vector and word vectors, for repeated and follow-up questions (4,096 of ~15 word
        # pieces hold about 100 MB)
        self.query_vectors = VectorCache(embedder, 4096)

    def query_vector(self, query: str) -> np.ndarray:
        """The query's embedding (cached for repeated and follow-up queries)."""
        return self.query_vectors.vector(query)

    def query_tokens(self, query: str) -> TokenVectors:
        """The query's word pieces and their vectors (cached with its embedding)."""
        return self.query_vectors.tokens(query)

    def close(self) -> None:
        self.records.close()
        self.backend.close()
        self.query_vectors.clear()

    @property
    def has_dense(self) -> bool:
        return self.backend.has_dense and self.embedder is not None

    def search(self, query: str, k: int = 10, mode: str = "hybrid",
               docs: Sequence[str] | Scope | None = None) -> SearchResult:
        """The best ``k`` passages; ``docs`` limits the search to these documents or folders
        (or to a ``Scope`` already resolved by ``scope``, when one question searches many times)."""
        query = check_query(query, mode, k)
        scope = docs if isinstance(docs, Scope) else self.scope(docs)
        served, notice = self.served_mode(mode)
        ranked = self.rank(query, k, "bm25" if served == FALLBACK_MODE else served, scope)
        chunks = self.records.chunks([r.row for r in ranked])
        hits = [self._hit(c, rank, r.score, r.dense_rank, r.bm25_rank)
                for rank, (r, c) in enumerate(zip(ranked, chunks), start=1)]
        return SearchResult(served, hits, notice)

    def opening(self, doc: str) -> Hit | None:
        """``doc``'s first passage, as a hit of no rank (None if it is not indexed)."""
        rows = self.records.rows_of([doc])
        return self.passage(int(rows[0])) if len(rows) else None

    def passage(self, row: int) -> Hit:
        """The passage at ``row``, as a hit of no rank."""
        return self._hit(self.records.chunks([row])[0], 0, 0.0, None, None)

    def _hit(self, c, rank: int, score: float, dense_rank: int | None, bm25_rank: int | None) -> Hit:
        return Hit(rank, c.chunk_id, c.doc, c.title, c.section, c.start, c.end, c.line_start, c.line_end, score,
                   dense_rank, bm25_rank, c.text, self.records.page_at(c.doc, c.start))

    @cached_property
    def doc_paths(self) -> list[str]:
        return self.records.doc_paths()

    def scope(self, docs: Sequence[str] | None) -> Scope | None:
        """The documents named by paths or folder prefixes; QueryError for one not indexed."""
        if not docs:
            return None
        chosen: set[str] = set()
        for name in docs:
            name = name.strip().removeprefix("./").strip("/")
            found = [p for p in self.doc_paths if p == name or p.startswith(name + "/")] if name else []
            if not found:
                raise QueryError(f"no document or folder {name!r} in the index (see the document list)")
            chosen.update(found)
        ordered = tuple(sorted(chosen))
        return Scope(ordered, self.records.rows_of(list(ordered)))

    def served_mode(self, mode: str) -> tuple[str, str | None]:
        if mode == "bm25" or self.has_dense:
            return mode, None
        return FALLBACK_MODE, f"dense retrieval unavailable ({self.dense_unavailable}): BM25 only"

    def rank(self, query: str, k: int, mode: str, scope: Scope | None = None) -> list[Ranked]:
        """The top ``k`` rows for ``query`` in ``mode`` (which must be servable)."""
        depth = max(k, self.fusion.depth)
        if mode == "bm25":
            return [Ranked(row, score, None, rank) for rank, (row, score)
                    in enumerate(self.bm25_candidates(query, k, scope), start=1)]
        vector = self.query_vector(query)
        if mode == "dense":
            return [Ranked(row, score, rank, None) for rank, (row, score)
                    in enumerate(self.backend.dense(vector, k, scope), start=1)]
        tokens = self.tokenizer(query)  # once, for the backend's fusion or for ours
        served = self.backend.fused(vector, tokens, depth, k, scope, self.fusion.rrf_k,
                                    (self.fusion.dense_weight, self.fusion.bm25_weight))
        if served is not None:
            return fused_by_backend(*served)
        return self.fuse(self.backend.dense(vector, depth, scope), self.backend.sparse(tokens, depth, scope), k,
                         partial(self.backend.scores_at, vector, tokens))

    def bm25_candidates(self, query: str, depth: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        return self.backend.sparse(self.tokenizer(query), depth, scope)

    def fuse(self, dense: list[tuple[int, float]], bm25: list[tuple[int, float]], k: int,
             exact: ExactScores | None = None) -> list[Ranked]:
        fused = fuse(dense, bm25, k, self.fusion, exact)
        return [Ranked(int(row), float(score), int(d) or None, int(b) or None)
                for row, score, d, b in zip(fused.rows, fused.scores, fused.dense_ranks, fused.bm25_ranks)]


def fused_by_backend(fused: list[tuple[int, float]], dense: list[tuple[int, float]],
                     bm25: list[tuple[int, float]]) -> list[Ranked]:
    """A backend's fused ranking with each row's rank in the lists it fused."""
    dense_ranks = {row: rank for rank, (row, _) in enumerate(dense, start=1)}
    bm25_ranks = {row: rank for rank, (row, _) in enumerate(bm25, start=1)}
    return [Ranked(row, score, dense_ranks.get(row), bm25_ranks.get(row)) for row, score in fused]
