"""Publishing an index generation to Qdrant, uploading only what changed.

Qdrant has no server-side copy of a collection (``init_from`` was removed in 1.16), so a
collection per generation would mean sending every point again. Instead generations built with
the same settings share one collection: a point's id is a hash of everything stored in it, a
build uploads the points the collection lacks, flags the ones it already holds as part of the
new generation (``set_payload``: ids only, no vectors or text), records the generation as
published in the collection's metadata, points the alias at the collection, and only then
deletes the points no longer in the generation. Until that moment queries of the previous
generation see exactly its points; a build killed on the way leaves it serving, and the next
build reuses whatever was uploaded. Changed settings (model, chunking, tokenizer, BM25, or the
average chunk length drifting by more than 1 %, which every BM25 weight depends on) start a
new collection, uploaded whole; the alias switches to it once it is complete."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from pathlib import Path

from ..dense import load_vectors
from ..manifest import Manifest
from ..progress import progress_bar
from ..store import RECORDS_FILE, RecordStore, StoredChunk
from . import BackendConfig
from .qdrant import (
    DENSE,
    SPARSE,
    alias_target,
    client_for,
    generation_flag,
    published_generations,
    sparse_vector,
)

BATCH = 256
AVERAGE_DRIFT = 0.01  # relative change of the average chunk length that forces a full upload


def layout_of(manifest: Manifest) -> str:
    """What every point's vectors depend on, bar the average length."""
    settings = [manifest.embedding_model, manifest.dimension, manifest.chunker, manifest.tokenizer, manifest.bm25]
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:16]


def point_id(layout: str, stored: StoredChunk, doc_sha256: str) -> str:
    """A point's id: a hash of its settings, its document's content, embedded text and payload
    (so a changed document's chunks are new points, and an unchanged one's are not)."""
    c = stored.chunk
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "|".join(map(str, (
        layout, doc_sha256, c.chunk_id, stored.embed_key, c.doc, c.title, c.section, c.start, c.end,
        c.line_start, c.line_end)))))


def publish_generation(config: BackendConfig, generation: Path, progress: bool = False) -> str | None:
    """Make Qdrant serve ``generation``; a note on what was uploaded, if anything."""
    client = client_for(config)
    served = alias_target(client, config)
    if served and client.collection_exists(served) and generation.name in published_generations(client, served):
        _keep_only(client, config, served, generation.name)  # an unchanged index: nothing to read or send
        return None
    manifest = Manifest.load(generation, files=False)
    records = RecordStore(generation / RECORDS_FILE)
    try:
        lengths = [len(tokens) for tokens in records.tokens()]
        average = sum(lengths) / max(1, len(lengths))
        collection, created = _collection_for(client, config, generation.name, manifest, average)
        metadata = client.get_collection(collection).config.metadata or {}
        published = list(metadata.get("generations", []))
        note = None
        if generation.name not in published:
            client.update_collection(collection, metadata={"pending": [*metadata.get("pending", []), generation.name]})
            uploaded = _add_generation(client, collection, generation, manifest, records, metadata,
                                       bool(config.qdrant_url), progress)
            client.update_collection(collection, metadata={"generations": [*published, generation.name]})
            note = (f"Qdrant collection {collection}: uploaded {uploaded} of {manifest.chunks} chunks"
                    + ("" if created else f"; {manifest.chunks - uploaded} unchanged, not sent again"))
        _switch_alias(client, config, collection)
        _keep_only(client, config, collection, generation.name)
        return note
    finally:
        records.close()


def _collection_for(client, config: BackendConfig, generation: str, manifest: Manifest,
                    average: float) -> tuple[str, bool]:
    """The collection to publish into and whether it is new: the alias' one if its settings
    match, a matching leftover of a killed upload of this generation, else a new one."""
    from qdrant_client import models

    layout = layout_of(manifest)
    name = f"{config.collection}-{generation}"
    for candidate in (alias_target(client, config), name):
        if candidate and client.collection_exists(candidate):
            existing = client.get_collection(candidate)
            metadata = existing.config.metadata or {}
            if metadata.get("layout") == layout and abs(metadata["average"] / average - 1) <= AVERAGE_DRIFT:
                if config.qdrant_url:  # collections made before fusion's candidate filter lack its index
                    _keyword_indexes(client, candidate, set(existing.payload_schema or {}))
                return candidate, False
    if client.collection_exists(name):
        client.delete_collection(name)  # built with other settings, or by an earlier version
    dense = {DENSE: models.VectorParams(size=manifest.dimension, distance=models.Distance.COSINE)} \
        if manifest.dimension else {}
    cluster = dict(shard_number=config.shards, replication_factor=config.replicas) if config.qdrant_url else {}
    client.create_collection(name, vectors_config=dense, **cluster,
                             sparse_vectors_config={SPARSE: models.SparseVectorParams(modifier=models.Modifier.IDF)},
                             metadata={"layout": layout, "average": average, "generations": [], "pending": []})
    if config.qdrant_url:  # local mode has no payload indexes
        _keyword_indexes(client, name, set())
    return name, True


def _keyword_indexes(client, collection: str, present: set[str]) -> None:
    """The keyword indexes ``--doc`` filters and fusion's exact scores for candidates filter by."""
    from qdrant_client import models

    for key in ("doc", "chunk_id"):
        if key not in present:
            client.create_payload_index(collection, key, models.PayloadSchemaType.KEYWORD)


def _add_generation(client, collection: str, generation: Path, manifest: Manifest, records: RecordStore,
                    metadata: dict, server: bool, progress: bool) -> int:
    """Flag the points ``collection`` already holds as part of ``generation`` and upload the
    rest; how many were uploaded."""
    from qdrant_client import models

    flag = generation_flag(generation.name)
    if server:  # local mode has no payload indexes
        client.create_payload_index(collection, flag, models.PayloadSchemaType.BOOL)
    vectors = load_vectors(generation, manifest.chunks) if manifest.dimension else None
    hashes = {path: entry.sha256 for path, entry in Manifest.load(generation).files.items()}  # files.json
    layout, average = metadata["layout"], metadata["average"]
    k1, b = manifest.bm25.get("k1", 1.5), manifest.bm25.get("b", 0.75)
    uploaded = 0
    for start in progress_bar(range(0, manifest.chunks, BATCH), "publishing to Qdrant", progress, unit="batch"):
        rows = list(range(start, min(start + BATCH, manifest.chunks)))
        stored = records.stored(rows)
        ids = [point_id(layout, s, hashes.get(s.chunk.doc, "")) for s in stored]
        held = {str(p.id) for p in client.retrieve(collection, ids, with_payload=False, with_vectors=False)}
        if held:
            client.set_payload(collection, payload={flag: True}, points=[i for i in ids if i in held], wait=True)
        points = []
        for row, point, s in zip(rows, ids, stored):
            if point in held:
                continue
            vector = {SPARSE: sparse_vector(s.tokens, k1, b, average)}
            if vectors is not None:
                vector[DENSE] = vectors[row].tolist()
            c = s.chunk
            points.append(models.PointStruct(id=point, vector=vector, payload={
                "chunk_id": c.chunk_id, "doc": c.doc, "title": c.title, "section": c.section, "start": c.start,
                "end": c.end, "lines": [c.line_start, c.line_end], "text": c.text,
                "doc_sha256": hashes.get(c.doc, ""), flag: True}))
        if points:
            client.upsert(collection, points=points, wait=True)
            uploaded += len(points)
    return uploaded


def _switch_alias(client, config: BackendConfig, collection: str) -> None:
    from qdrant_client import models

    current = alias_target(client, config)
    if current == collection:
        return
    operations = []
    if current is not None:
        operations.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=config.collection)))
    operations.append(models.CreateAliasOperation(
        create_alias=models.CreateAlias(collection_name=collection, alias_name=config.collection)))
    client.update_collection_aliases(change_aliases_operations=operations)


def _keep_only(client, config: BackendConfig, collection: str, generation: str) -> None:
    """Drop what ``generation`` does not use: other collections of this alias, the points and
    flags of earlier generations (so Qdrant's IDF counts exactly this generation's chunks)."""
    from qdrant_client import models

    own = re.compile(rf"{re.escape(config.collection)}-gen-\d{{8}}T\d{{6}}-[0-9a-f]{{8}}")  # not another alias's
    for other in client.get_collections().collections:
        if own.fullmatch(other.name) and other.name != collection:
            client.delete_collection(other.name)
    metadata = client.get_collection(collection).config.metadata or {}
    older = [g for g in dict.fromkeys([*metadata.get("generations", []), *metadata.get("pending", [])]) if g != generation]
    if not older:
        return
    flag = generation_flag(generation)
    client.delete(collection, points_selector=models.FilterSelector(filter=models.Filter(
        must_not=[models.FieldCondition(key=flag, match=models.MatchValue(value=True))])), wait=True)
    client.delete_payload(collection, keys=[generation_flag(g) for g in older],
                          points=models.FilterSelector(filter=models.Filter()), wait=True)
    if config.qdrant_url:
        for g in older:
            client.delete_payload_index(collection, generation_flag(g))
    client.update_collection(collection, metadata={"generations": [generation], "pending": []})
