"""Qdrant: one point per chunk (payload: row, chunk id, doc, title, section, span, text), a named
dense vector (cosine) and a sparse BM25 vector whose IDF Qdrant computes (``Modifier.IDF``, the
same ``log(1 + (N − n + 0.5)/(n + 0.5))`` as the local lucene BM25). Each index generation is its
own collection; the alias (``corpusqa``) is switched to it once it is complete, so a build killed
mid-upload leaves the alias on the last good one. Works against a server or cluster (``url``)
and qdrant-client's embedded local mode (``path``) alike."""

from __future__ import annotations

import atexit
import os
import uuid
import zlib
from collections import Counter
from pathlib import Path

import numpy as np

from ..dense import load_vectors
from ..manifest import IndexUnavailable, Manifest
from ..progress import progress_bar
from ..store import RECORDS_FILE, RecordStore
from . import QDRANT_KEY_ENV, BackendConfig
from .base import Scope, SearchBackend

DENSE, SPARSE = "dense", "bm25"
BATCH = 256
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


def collection_name(config: BackendConfig, generation: Path) -> str:
    return f"{config.collection}-{generation.name}"


def publish_generation(config: BackendConfig, generation: Path, progress: bool = False) -> str | None:
    """Upload ``generation`` into its own collection unless it is there complete, then point
    the alias at it and drop the collections it replaced."""
    from qdrant_client import models

    client = client_for(config)
    manifest = Manifest.load(generation, files=False)
    name = collection_name(config, generation)
    complete = client.collection_exists(name) and client.count(name, exact=True).count == manifest.chunks
    note = None
    if not complete:
        _upload(client, name, generation, manifest, progress, config)
        note = f"uploaded {manifest.chunks} chunks to Qdrant collection {name}"
    aliases = {a.alias_name: a.collection_name for a in client.get_aliases().aliases}
    if aliases.get(config.collection) != name:
        operations = []
        if config.collection in aliases:
            operations.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=config.collection)))
        operations.append(models.CreateAliasOperation(
            create_alias=models.CreateAlias(collection_name=name, alias_name=config.collection)))
        client.update_collection_aliases(change_aliases_operations=operations)
    for old in client.get_collections().collections:
        if old.name.startswith(f"{config.collection}-") and old.name != name:
            client.delete_collection(old.name)
    return note


def _upload(client, name: str, generation: Path, manifest: Manifest, progress: bool, config: BackendConfig) -> None:
    from qdrant_client import models

    if client.collection_exists(name):
        client.delete_collection(name)  # an upload that did not finish
    vectors = load_vectors(generation, manifest.chunks) if manifest.dimension else None
    dense_config = {DENSE: models.VectorParams(size=manifest.dimension, distance=models.Distance.COSINE)} \
        if vectors is not None else {}
    cluster = dict(shard_number=config.shards, replication_factor=config.replicas) if config.qdrant_url else {}
    client.create_collection(name, vectors_config=dense_config, **cluster,
                             sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)})
    if config.qdrant_url:  # keyword index for --doc filters (local mode has none and warns)
        client.create_payload_index(name, "doc", models.PayloadSchemaType.KEYWORD)
    records = RecordStore(generation / RECORDS_FILE)
    try:
        tokens = list(records.tokens())
        average = sum(map(len, tokens)) / max(1, len(tokens))
        k1, b = manifest.bm25.get("k1", 1.5), manifest.bm25.get("b", 0.75)
        for start in progress_bar(range(0, len(tokens), BATCH), "uploading to Qdrant", progress, unit="batch"):
            rows = list(range(start, min(start + BATCH, len(tokens))))
            points = []
            for row, chunk in zip(rows, records.chunks(rows)):
                vector = {SPARSE: sparse_vector(tokens[row], k1, b, average)}
                if vectors is not None:
                    vector[DENSE] = vectors[row].tolist()
                points.append(models.PointStruct(
                    id=str(uuid.uuid5(uuid.NAMESPACE_URL, chunk.chunk_id + f"#{row}")), vector=vector,
                    payload={"row": row, "chunk_id": chunk.chunk_id, "doc": chunk.doc, "title": chunk.title,
                             "section": chunk.section, "start": chunk.start, "end": chunk.end, "text": chunk.text}))
            client.upsert(name, points=points, wait=True)
    finally:
        records.close()


class QdrantBackend(SearchBackend):
    name = "qdrant"

    def __init__(self, config: BackendConfig, generation: Path) -> None:
        self.config, self.client = config, client_for(config)
        aliases = {a.alias_name: a.collection_name for a in self.client.get_aliases().aliases}
        expected = collection_name(config, generation)
        if config.collection not in aliases or not self.client.collection_exists(expected):
            raise IndexUnavailable(f"Qdrant has no collection {expected!r} behind alias {config.collection!r} "
                                   "(deleted, or never uploaded): run `corpusqa index` to upload it")
        if aliases[config.collection] != expected:
            raise IndexUnavailable(f"Qdrant alias {config.collection!r} does not point at this index's "
                                   f"collection {expected!r}: run `corpusqa index`")
        info = self.client.get_collection(config.collection)
        vectors = info.config.params.vectors
        self._has_dense = isinstance(vectors, dict) and DENSE in vectors

    @property
    def has_dense(self) -> bool:
        return self._has_dense

    def describe(self) -> str:
        return f"qdrant ({self.config.qdrant_url or self.config.qdrant_path}, alias {self.config.collection})"

    def dense(self, vector: np.ndarray, depth: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        return self._query(vector.tolist(), DENSE, depth, scope)

    def sparse(self, tokens: list[str], depth: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        if not tokens:
            return []
        return self._query(sparse_vector(tokens), SPARSE, depth, scope)

    def _query(self, query, using: str, depth: int, scope: Scope | None) -> list[tuple[int, float]]:
        from qdrant_client import models

        where = None if scope is None else models.Filter(
            must=[models.FieldCondition(key="doc", match=models.MatchAny(any=list(scope.docs)))])
        points = self.client.query_points(self.config.collection, query=query, using=using, limit=depth,
                                          query_filter=where, with_payload=["row"]).points
        return [(int(p.payload["row"]), float(p.score)) for p in points if p.score > 0 or using == DENSE]
