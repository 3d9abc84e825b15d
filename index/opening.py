"""The read side of the builder: opening the current index generation for searching."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from index.backends import BackendConfig, SearchBackend, open_backend
from index.dense import load_dense
from index.embedding import Embedder, EmbeddingUnavailable
from index.generations import current_generation, resolve_index_dir
from index.lexical import BM25_FOLDER, BM25Settings, LexicalIndex
from index.manifest import IndexUnavailable, Manifest
from index.store import RECORDS_FILE, RecordStore
from index.tokenization import Tokenizer, TokenizerSettings


@dataclass
class OpenedIndex:
    """An index generation ready to search: its records, BM25 matrix and tokenizer, the backend
    that ranks (local or Qdrant), and the embedding model, or why dense search is unavailable."""

    index_dir: Path
    generation: Path
    manifest: Manifest
    records: RecordStore
    lexical: LexicalIndex
    tokenizer: Tokenizer
    backend: SearchBackend
    embedder: Embedder | None
    dense_unavailable: str | None


def open_index(index_dir: str | Path | None = None, *, dense: bool = True, embedder: Embedder | None = None,
               backend: BackendConfig | None = None, verify: bool = False) -> OpenedIndex:
    """The current generation of ``index_dir`` (default: ``$CORPUSQA_INDEX_DIR`` or
    ``.corpusqa``). ``dense=False`` loads no model; ``backend`` overrides where ranking runs (as
    saved by ``corpusqa index --backend`` otherwise); ``verify`` also reads every page of the
    records (``PRAGMA quick_check``). Raises ``IndexUnavailable`` when there is no usable index;
    a damaged dense index leaves BM25 serving, its file named in ``dense_unavailable``."""
    index_dir = resolve_index_dir(index_dir)
    generation = current_generation(index_dir)
    manifest = Manifest.load(generation, files=False)  # settings only: fast at 1M documents
    records = RecordStore(generation / RECORDS_FILE)
    problem = records.problem(manifest.chunks) if verify else None
    if problem is None and records.size != manifest.chunks:
        problem = f"index records hold {records.size} chunks, the manifest {manifest.chunks}"
    if problem:
        records.close()
        raise IndexUnavailable(f"{problem}: rebuild with `corpusqa index`")
    tokenizer = Tokenizer(TokenizerSettings.from_manifest(manifest.tokenizer))
    try:
        bm25 = BM25Settings(**manifest.bm25)
    except (TypeError, ValueError) as error:
        records.close()
        raise IndexUnavailable(f"index BM25 settings unusable ({error}): rebuild with `corpusqa index`") from error
    try:
        config = backend or BackendConfig.load(index_dir)
    except ValueError as error:
        records.close()
        raise IndexUnavailable(str(error)) from error
    lexical = _open_lexical(generation, records, bm25)
    dense_index, reason = None, "not requested"
    if dense:
        try:
            dense_index, embedder = _load_dense(generation, manifest, records.size, embedder, config.vectors_here)
            reason = None
        except (EmbeddingUnavailable, IndexUnavailable) as error:
            reason, embedder = str(error), None
            if reason.startswith("dense index"):  # a damaged file, not a missing model
                reason += "; the next `corpusqa index` rebuilds it"
    try:
        ranking = open_backend(config, generation, records, dense_index, lexical)
    except Exception:
        records.close()
        raise
    return OpenedIndex(index_dir, generation, manifest, records, lexical, tokenizer, ranking, embedder, reason)


def _open_lexical(generation: Path, records: RecordStore, settings: BM25Settings) -> LexicalIndex:
    """The saved BM25 matrix, memory-mapped; built from the stored tokens when it is missing
    (an index from an earlier version), unreadable or not for these records and settings."""
    folder = generation / BM25_FOLDER
    if folder.is_dir():
        try:
            return LexicalIndex.load(folder, settings, records.size)
        except (OSError, ValueError, KeyError):
            pass  # the next build writes it again (index/previous.py checks it)
    return LexicalIndex(list(records.tokens()), settings)


def _load_dense(generation: Path, manifest: Manifest, size: int, embedder: Embedder | None, vectors_here: bool):
    """The FAISS index (None when the backend holds the vectors) and the model."""
    if manifest.dense_index.get("type") == "none" or manifest.dimension is None:
        raise IndexUnavailable("the index was built without vectors; run `corpusqa index` "
                               "once the embedding model is available")
    if embedder is not None and embedder.name != manifest.embedding_model:
        raise IndexUnavailable(f"the index was embedded with {manifest.embedding_model!r}, "
                               f"not {embedder.name!r}")
    index = load_dense(generation, manifest.dense_index, size, manifest.dimension) if vectors_here else None
    return index, embedder or Embedder(manifest.embedding_model)
