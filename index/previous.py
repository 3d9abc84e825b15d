"""The generation a build starts from: what of it can be reused, why it cannot be reused as it
is, and which of its files are damaged. Damage is found by cheap checks (headers, sizes, counts
against the manifest, ``PRAGMA quick_check``) so that a build never calls a damaged index "up
to date": a damaged file is written again from what is still whole (vectors from ``vectors.npy``
or, failing that, from ``dense.faiss``; the BM25 matrix from the records), and damaged records
mean a full rebuild."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .chunking import ChunkerSettings
from .dense import dense_problem, load_dense, load_vectors, vectors_of
from .generations import current_generation
from .integrity import marked_damaged
from .lexical import BM25_FOLDER, BM25Settings
from .manifest import TEXT_VERSION, IndexUnavailable, Manifest, stored_name
from .sparse_bm25 import SparseBM25
from .store import RECORDS_FILE, RecordStore
from .tokenization import TokenizerSettings


@dataclass
class Previous:
    manifest: Manifest
    records: RecordStore
    vectors: np.ndarray | None
    damaged: list[str] = field(default_factory=list)  # its damaged files: the build writes them again


def open_previous(index_dir: Path, model: str, chunker: ChunkerSettings, tokenizer: TokenizerSettings,
                  bm25: BM25Settings) -> tuple[Previous | None, str | None, list[str]]:
    """The current generation to reuse, why it cannot be reused as it is, and notes on files
    that were damaged or unreadable (each is written again by this build)."""
    notes: list[str] = []
    try:
        folder = current_generation(index_dir)
        manifest = Manifest.load(folder)
        records = RecordStore(folder / RECORDS_FILE)
    except IndexUnavailable as error:
        exists = (index_dir / "CURRENT").exists()
        return None, (f"previous index unusable ({error}): full rebuild" if exists else None), notes
    problem = records.problem(manifest.chunks, sum(1 for entry in manifest.files.values() if entry.chunks))
    if damaged_files := marked_damaged(folder):  # by a server's full check: nothing of it is trusted
        problem = f"files that do not match their checksums: {', '.join(damaged_files)}"
    if problem:
        records.close()
        return None, f"previous index unusable ({problem}): full rebuild", notes
    vectors, damaged = _reusable_vectors(folder, manifest, records.size, notes)
    lexical_problem = SparseBM25.problem(folder / BM25_FOLDER) if (folder / BM25_FOLDER).is_dir() else None
    if lexical_problem:
        damaged.append(BM25_FOLDER)
        notes.append(f"BM25 matrix unreadable: {folder.name}/{BM25_FOLDER} ({lexical_problem}): written again")
    previous = Previous(manifest, records, vectors, damaged)
    changes = [f"{what} changed ({old} → {new})" for what, old, new in (
        ("embedding model", manifest.embedding_model, model),
        ("chunker settings", manifest.chunker, asdict(chunker)),
        ("tokenizer settings", manifest.tokenizer, tokenizer.as_dict()),
        ("BM25 settings", manifest.bm25, bm25.as_dict()),
        ("text version", manifest.text_version, TEXT_VERSION),
    ) if old != new]
    if not previous.records.has_pages:
        changes.append("records from an earlier version (no page numbers)")
    if not (folder / BM25_FOLDER).is_dir():
        changes.append("BM25 matrix not stored (an index from an earlier version)")
    if changes:
        return previous, "; ".join(changes) + ": full rebuild", notes
    return previous, None, notes


def _reusable_vectors(folder: Path, manifest: Manifest, rows: int,
                      notes: list[str]) -> tuple[np.ndarray | None, list[str]]:
    """The generation's vectors for reuse (None: there are none to reuse) and its damaged
    vector files, with a note on each saying what the build does about it."""
    damaged: list[str] = []
    try:
        vectors, stored_problem = load_vectors(folder, rows), None
    except IndexUnavailable as error:
        vectors, stored_problem = None, str(error)
    has_dense = manifest.dense_index.get("type") not in (None, "none") and manifest.dimension is not None
    faiss_problem = dense_problem(folder, manifest.dense_index, rows, manifest.dimension) if has_dense else None
    if stored_problem:
        damaged.append("vectors.npy")
    if faiss_problem:
        damaged.append("dense.faiss")
    if vectors is None and has_dense and not faiss_problem:
        try:  # the FAISS file holds the same vectors, exactly
            vectors = vectors_of(load_dense(folder, manifest.dense_index, rows, manifest.dimension))
        except IndexUnavailable as error:
            faiss_problem = str(error)
            damaged.append("dense.faiss")
    if stored_problem:
        source = f"taken from {stored_name(folder / 'dense.faiss')}" if vectors is not None \
            else "the vectors are computed again"
        notes.append(f"{stored_problem}: ignored, {source}")
    if faiss_problem:
        source = "rebuilt from the stored vectors" if vectors is not None else "rebuilt, the vectors computed again"
        notes.append(f"{faiss_problem}: {source}")
    return vectors, damaged
