"""Qdrant: one point per chunk (payload: chunk id, doc, title, section, span, lines, text), a
named dense vector (cosine) and a sparse BM25 vector whose IDF Qdrant computes
(``Modifier.IDF``, the same ``log(1 + (N − n + 0.5)/(n + 0.5))`` as the local lucene BM25).
Generations share a collection and are told apart by a payload flag (``qdrant_publish.py``
uploads only what changed), so every query filters on its generation's flag. Hybrid can fuse
in corpusqa (``client``: the same fusion as the local backend, a candidate missing from one list
scored by a second query filtered to the candidates) or on the server (``rrf`` /
``dbsf`` over a dense and a sparse prefetch). Works against a server or cluster (``url``) and
qdrant-client's embedded local mode (``path``) alike."""

from __future__ import annotations

import atexit
import os
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from ..manifest import IndexUnavailable
from ..store import RecordStore
from . import QDRANT_KEY_ENV, BackendConfig
from .base import Scope, SearchBackend

DENSE, SPARSE = "dense", "bm25"
_CLIENTS: dict[tuple, object] = {}  # local mode allows one client per folder in a process


@atexit.register
def _close_clients() -> None:
    """Close local-mode clients while the interpreter can still run their clean-up."""
    while _CLIENTS:
        _CLIENTS.popitem()[1].close()


def client_for(config: BackendConfig):
    """One qdrant-client per location (local mode locks its folder)."""
    key = (config.qdrant_url, config.qdrant_path)
    if key not in _CLIENTS:
        try:
            from qdrant_client import QdrantClient
        except ImportError as error:
            raise IndexUnavailable("the qdrant backend needs qdrant-client: pip install 'corpusqa[qdrant]'") from error
        if config.qdrant_path:
            _CLIENTS[key] = QdrantClient(path=config.qdrant_path)
        else:
            _CLIENTS[key] = QdrantClient(url=config.qdrant_url, api_key=os.environ.get(QDRANT_KEY_ENV) or None)
    return _CLIENTS[key]


def term_id(term: str) -> int:
    """A stable sparse dimension per token (no vocabulary to ship to every app server)."""
    return zlib.crc32(term.encode("utf-8"))


def sparse_vector(tokens: list[str], k1: float | None = None, b: float | None = None, average: float = 1.0):
    """Query (``k1`` None): term counts. Document: lucene BM25 saturation ``tf / (tf + norm)``."""
    from qdrant_client import models

    counts = Counter(term_id(t) for t in tokens)
    indices = list(counts)
    if k1 is None:
        values = [float(counts[i]) for i in indices]
    else:
        norm = k1 * (1 - b + b * len(tokens) / average)
        values = [counts[i] / (counts[i] + norm) for i in indices]
    return models.SparseVector(indices=indices, values=values)


def generation_flag(generation: str) -> str:
    """The payload key that marks a point as part of ``generation``."""
    return "in_" + generation.replace("-", "_")


def alias_target(client, config: BackendConfig) -> str | None:
    """The collection the alias points at, if any."""
    return {a.alias_name: a.collection_name for a in client.get_aliases().aliases}.get(config.collection)


def published_generations(client, collection: str) -> list[str]:
    """Generations whose every point is in ``collection`` (recorded once the upload completes)."""
    return list((client.get_collection(collection).config.metadata or {}).get("generations", []))


class QdrantBackend(SearchBackend):
    name = "qdrant"

    def __init__(self, config: BackendConfig, generation: Path, records: RecordStore) -> None:
        from qdrant_client import models

        self.config, self.client, self.records = config, client_for(config), records
        self.generation = generation.name
        collection = alias_target(self.client, config)
        if collection is None or not self.client.collection_exists(collection):
            raise IndexUnavailable(f"Qdrant has no collection behind alias {config.collection!r} (deleted, or "
                                   "never uploaded): run `corpusqa index` to upload it")
        if self.generation not in published_generations(self.client, collection):
            raise IndexUnavailable(f"Qdrant collection {collection!r} does not hold this index's generation "
                                   f"{self.generation} (its upload did not finish): run `corpusqa index`")
        self.collection = collection
        self._visible = models.FieldCondition(key=generation_flag(self.generation),
                                              match=models.MatchValue(value=True))
        vectors = self.client.get_collection(collection).config.params.vectors
        self._has_dense = isinstance(vectors, dict) and DENSE in vectors

    @property
    def has_dense(self) -> bool:
        return self._has_dense

    def describe(self) -> str:
        fused = "" if self.config.fusion == "client" else f", {self.config.fusion} fusion on the server"
        return f"qdrant ({self.config.qdrant_url or self.config.qdrant_path}, alias {self.config.collection}{fused})"

    def dense(self, vector: np.ndarray, depth: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        return self._rows(self._query(self._request(vector.tolist(), DENSE, depth, scope)))

    def sparse(self, tokens: list[str], depth: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        if not tokens:
            return []
        return self._rows(self._query(self._request(sparse_vector(tokens), SPARSE, depth, scope)), positive=True)

    def fused(self, vector: np.ndarray, tokens: list[str], depth: int, k: int, scope: Scope | None,
              rrf_k: int, weights: tuple[float, float]):
        """Server-side fusion (``rrf`` with ``rrf_k`` and ``weights``, or ``dbsf``) of a dense
        and a sparse prefetch of ``depth``, with both lists for the panel's ranks, in one round
        trip; None when the configured fusion runs in corpusqa. Qdrant's RRF scores a 1-based
        rank ``r`` as ``1 / (r / w + k − 1)``: with ``k + 1`` and equal weights it orders
        exactly as corpusqa's ``Σ w / (k + r)``; unequal weights scale ranks there, not scores."""
        if self.config.fusion == "client" or not tokens:
            return None
        from qdrant_client import models

        dense = self._request(vector.tolist(), DENSE, depth, scope)
        sparse = self._request(sparse_vector(tokens), SPARSE, depth, scope)
        relative = [w / max(weights) for w in weights]
        fusion = models.RrfQuery(rrf=models.Rrf(k=rrf_k + 1, weights=None if len(set(relative)) == 1 else relative)) \
            if self.config.fusion == "rrf" else models.FusionQuery(fusion=models.Fusion.DBSF)
        prefetch = [models.Prefetch(query=r.query, using=r.using, limit=depth, filter=r.filter) for r in (dense, sparse)]
        combined = models.QueryRequest(prefetch=prefetch, query=fusion, limit=k, filter=dense.filter,
                                       with_payload=["chunk_id"])
        responses = self.client.query_batch_points(self.collection, requests=[combined, dense, sparse])
        return tuple(self._rows(r.points, positive=n == 2) for n, r in enumerate(responses))

    def scores_at(self, vector: np.ndarray, tokens: list[str], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Qdrant's own cosine and sparse score of each row (0 for a row no query term is in),
        in one round trip: both queries filtered to the rows' chunk ids."""
        from qdrant_client import models

        ids = [c.chunk_id for c in self.records.chunks(rows.tolist())]
        only = models.Filter(must=[self._visible, models.FieldCondition(key="chunk_id", match=models.MatchAny(any=ids))])
        queries = [(vector.tolist(), DENSE)] + ([(sparse_vector(tokens), SPARSE)] if tokens else [])
        responses = self.client.query_batch_points(self.collection, requests=[
            models.QueryRequest(query=q, using=using, limit=len(ids), filter=only, with_payload=["chunk_id"])
            for q, using in queries])
        position = {row: i for i, row in enumerate(rows.tolist())}
        scores = np.zeros((2, len(rows)))
        for side, response in enumerate(responses):
            for row, score in self._rows(response.points):
                scores[side, position[row]] = score
        return scores[0], scores[1]

    def _request(self, query, using: str, depth: int, scope: Scope | None):
        from qdrant_client import models

        where = [self._visible]
        if scope is not None:
            where.append(models.FieldCondition(key="doc", match=models.MatchAny(any=list(scope.docs))))
        return models.QueryRequest(query=query, using=using, limit=depth, filter=models.Filter(must=where),
                                   with_payload=["chunk_id"])

    def _query(self, request) -> list:
        return self.client.query_batch_points(self.collection, requests=[request])[0].points

    def _rows(self, points: list, positive: bool = False) -> list[tuple[int, float]]:
        """This generation's rows of the returned points (``positive``: those scoring above 0)."""
        points = [p for p in points if p.score > 0 or not positive]
        rows = self.records.rows_of_chunks([p.payload["chunk_id"] for p in points])
        if any(row is None for row in rows):
            raise IndexUnavailable(f"Qdrant collection {self.collection!r} returned chunks this generation "
                                   "does not hold: run `corpusqa index`")
        return [(row, float(p.score)) for row, p in zip(rows, points)]
