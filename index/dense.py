"""The FAISS vector store: exact inner product for small corpora, HNSW for large ones."""

from __future__ import annotations

import functools
import struct
from pathlib import Path

import numpy as np

from .manifest import IndexUnavailable, stored_name

DENSE_FILE = "dense.faiss"
VECTORS_FILE = "vectors.npy"  # the same vectors, kept for reuse by the next build
HNSW_MIN_VECTORS = 200_000


def dense_config(count: int) -> dict:
    """The index structure for ``count`` vectors, as recorded in the manifest."""
    if count < HNSW_MIN_VECTORS:
        return {"type": "flat"}
    # Chosen by bench/run.py: recall@10 0.9585 against flat at 1M synthetic vectors (efSearch 96
    # gave 0.797 there; on 5,183 real MiniLM vectors 96 already gives 0.9965), 0.94 ms p50.
    return {"type": "hnsw", "M": 32, "ef_construction": 160, "ef_search": 512}


def build_dense(vectors: np.ndarray, config: dict):
    import faiss

    dimension = vectors.shape[1]
    if config["type"] == "flat":
        index = faiss.IndexFlatIP(dimension)
    elif config["type"] == "hnsw":
        index = faiss.IndexHNSWFlat(dimension, config["M"], faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = config["ef_construction"]
    else:
        raise ValueError(f"unknown dense index type {config['type']!r}")
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def save_dense(index, vectors: np.ndarray, folder: Path) -> None:
    import faiss

    faiss.write_index(index, str(folder / DENSE_FILE))
    np.save(folder / VECTORS_FILE, vectors, allow_pickle=False)


def load_vectors(folder: Path, expected_count: int) -> np.ndarray | None:
    """The stored vectors, memory-mapped, or None when there are none; IndexUnavailable when
    the file is unreadable or does not hold one float32 row per chunk."""
    path = folder / VECTORS_FILE
    if not path.is_file():
        return None
    try:
        vectors = np.load(path, mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError, EOFError) as error:
        raise IndexUnavailable(f"stored vectors unreadable: {stored_name(path)} ({error})") from error
    if vectors.dtype != np.float32 or vectors.ndim != 2 or len(vectors) != expected_count:
        raise IndexUnavailable(f"stored vectors do not match the records: {stored_name(path)} "
                               f"({vectors.dtype}, shape {vectors.shape}, {expected_count} chunks)")
    return vectors


_MAGIC = {"flat": b"IxFI", "hnsw": b"IHNf"}  # the fourcc faiss.write_index starts each type with
_HEADER = struct.Struct("<4siq")  # fourcc, dimension, vector count: the same for both types


def dense_problem(folder: Path, config: dict, expected_count: int, dimension: int) -> str | None:
    """What is wrong with the FAISS file, judged from its header and size alone (no read of the
    vectors: cheap at any size), or None when it looks whole. A truncated file fails here
    rather than in ``faiss.read_index``, which may read a cut HNSW graph without complaint."""
    path = folder / DENSE_FILE
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(_HEADER.size)
    except FileNotFoundError:
        return f"dense index missing: {stored_name(path)}"
    except OSError as error:
        return f"dense index unreadable: {stored_name(path)} ({error.strerror})"
    kind = config.get("type")
    if len(head) < _HEADER.size or head[:4] != _MAGIC.get(kind, head[:4]):
        return f"dense index unreadable: {stored_name(path)} (not a FAISS {kind} index)"
    _, found_dimension, found_count = _HEADER.unpack(head)
    if (found_count, found_dimension) != (expected_count, dimension):
        return (f"dense index does not match the records: {stored_name(path)} holds {found_count} vectors "
                f"of {found_dimension} dimensions, the records {expected_count} chunks of {dimension}")
    expected = _flat_size(dimension, expected_count)
    if size < expected or kind == "flat" and size != expected:
        return f"dense index unreadable: {stored_name(path)} (truncated: {size} bytes, {expected} written)"
    return None


@functools.cache
def _flat_header(dimension: int) -> int:
    import faiss

    return len(faiss.serialize_index(faiss.IndexFlatIP(dimension)))


def _flat_size(dimension: int, count: int) -> int:
    """The exact size of a flat index file (an HNSW file holds the same vectors and its graph)."""
    return _flat_header(dimension) + count * dimension * 4


def load_dense(folder: Path, config: dict, expected_count: int, dimension: int):
    """Read the FAISS index after checking its header and size against the records it belongs to."""
    import faiss

    problem = dense_problem(folder, config, expected_count, dimension)
    if problem:
        raise IndexUnavailable(problem)
    path = folder / DENSE_FILE
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as error:
        raise IndexUnavailable(f"dense index unreadable: {stored_name(path)}") from error
    if index.ntotal != expected_count or index.d != dimension:
        raise IndexUnavailable(f"dense index does not match the records ({index.ntotal} vectors "
                               f"of {index.d} dimensions for {expected_count} chunks)")
    if config.get("type") == "hnsw":
        index.hnsw.efSearch = config["ef_search"]
    return index


def vectors_of(index) -> np.ndarray:
    """Every vector a FAISS index holds, in row order (flat and HNSW keep them exactly): what a
    build reuses when the stored vectors file is damaged."""
    return index.reconstruct_n(0, index.ntotal)


def search_dense(index, query: np.ndarray, depth: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
    """``(row, cosine)`` of the ``depth`` nearest vectors (among ``rows``, if given), best first."""
    import faiss

    depth = min(depth, index.ntotal if rows is None else len(rows))
    if depth <= 0:
        return []
    query = query.reshape(1, -1).astype(np.float32, copy=False)
    if rows is None:
        scores, rows = index.search(query, depth)
    else:  # FAISS skips the other rows while searching (flat and HNSW alike)
        selector = faiss.IDSelectorBatch(np.ascontiguousarray(rows, dtype=np.int64))
        params = faiss.SearchParametersHNSW(sel=selector) if isinstance(index, faiss.IndexHNSW) \
            else faiss.SearchParameters(sel=selector)
        scores, rows = index.search(query, depth, params=params)
    return [(int(r), float(s)) for r, s in zip(rows[0], scores[0]) if r >= 0]
