"""Incremental index builds: scan the corpus, reuse what is unchanged, embed only new
text, write a new generation aside and publish it atomically."""

from __future__ import annotations

import hashlib
import logging
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from . import __version__
from .backends import sync_backend
from .chunking import ChunkerSettings, chunk_document
from .dense import build_dense, dense_config, save_dense
from .embedding import Embedder, EmbeddingUnavailable, default_model
from .generations import (
    build_lock,
    current_generation,
    discard,
    new_generation,
    publish,
)
from .formats.sandbox import TRANSIENT
from .integrity import digests
from .lexical import BM25_FOLDER, BM25Settings, LexicalIndex
from .loaders import SkipFile, read_document
from .manifest import TEXT_VERSION, FileEntry, Manifest
from .previous import Previous, open_previous
from .progress import progress_bar
from .scanning import CorpusError, CorpusFile, scan_corpus
from .store import RECORDS_FILE, Document, StoredChunk, write_records
from .text import indexed_text
from .tokenization import Tokenizer, TokenizerSettings

log = logging.getLogger("corpusqa.index")


@dataclass
class BuildSummary:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    skipped: dict[str, str] = field(default_factory=dict)
    documents: int = 0
    chunks: int = 0
    embedded: int = 0  # chunks whose vectors were computed in this build
    reused_vectors: int = 0
    seconds: float = 0.0
    up_to_date: bool = False  # nothing changed: no new generation was written
    rebuild_reason: str | None = None
    dense_warning: str | None = None  # vectors could not be built; search uses BM25
    notes: list[str] = field(default_factory=list)  # e.g. a damaged cache that was ignored
    generation: str = ""

    def as_dict(self) -> dict:
        return asdict(self)


def build_index(corpus: Path, index_dir: Path, *, model: str | None = None,
                chunker: ChunkerSettings = ChunkerSettings(),
                tokenizer: TokenizerSettings = TokenizerSettings(), bm25: BM25Settings = BM25Settings(),
                embedder: Embedder | None = None, progress: bool = False) -> BuildSummary:
    """Bring the index in ``index_dir`` up to date with ``corpus``.

    ``embedder`` reuses an already loaded model; otherwise it is loaded only if some
    text needs embedding. Raises ``CorpusError`` for an unusable corpus folder.
    """
    started = time.perf_counter()
    model = embedder.name if embedder else (model or default_model())
    files = scan_corpus(corpus, progress=progress)
    with build_lock(index_dir):
        previous, rebuild_reason, notes = open_previous(index_dir, model, chunker, tokenizer, bm25)
        try:
            summary = BuildSummary(rebuild_reason=rebuild_reason, notes=notes)
            _classify(files, previous, summary)
            unchanged = _unchanged(previous, summary)
            if unchanged and previous.vectors is None:  # built without vectors: can they be built now?
                embedder = _loaded_embedder(embedder, model, summary)
            if unchanged and (previous.vectors is not None or embedder is None):
                summary.up_to_date = True
                summary.generation = current_generation(index_dir).name
                summary.documents = sum(1 for e in previous.manifest.files.values() if e.chunks)
                summary.chunks = previous.manifest.chunks
            else:
                documents, stored = _chunk_all(files, previous, chunker, tokenizer, summary, progress)
                if not documents:
                    raise CorpusError(f"no indexable documents in {corpus} ({describe_skipped(summary.skipped)}): "
                                      "the index was not changed")
                vectors, dimension = _vectors(stored, previous, embedder, model, summary, progress)
                manifest = Manifest(
                    project_version=__version__, corpus=str(corpus), embedding_model=model,
                    dimension=dimension, chunker=asdict(chunker), tokenizer=tokenizer.as_dict(), bm25=bm25.as_dict(),
                    text_version=TEXT_VERSION,
                    dense_index=dense_config(len(stored)) if vectors is not None else {"type": "none"},
                    skipped=summary.skipped, chunks=len(stored),
                    built_at=time.strftime("%Y-%m-%dT%H:%M:%S%z"))
                chunk_counts = Counter(s.chunk.doc for s in stored)
                manifest.files = {f.path: FileEntry(f.sha256, f.size, chunk_counts.get(f.path, 0))
                                  for f in files if f.sha256 is not None}
                summary.generation = _write_generation(index_dir, manifest, documents, stored, vectors)
                summary.documents, summary.chunks = len(documents), len(stored)
        finally:
            if previous is not None:
                previous.records.close()
        note = sync_backend(index_dir, current_generation(index_dir), progress)
        if note:
            summary.notes.append(note)
    summary.seconds = time.perf_counter() - started
    return summary


def _write_generation(index_dir: Path, manifest: Manifest, documents: list[Document],
                      stored: list[StoredChunk], vectors: np.ndarray | None) -> str:
    """Write every store into a new generation folder, then publish it."""
    folder = new_generation(index_dir)
    try:
        write_records(folder / RECORDS_FILE, documents, stored)
        # Saved so that opening never tokenizes or counts again (3.7 s at 100k chunks before).
        LexicalIndex([s.tokens for s in stored], BM25Settings(**manifest.bm25)).save(folder / BM25_FOLDER)
        if vectors is not None:
            save_dense(build_dense(vectors, manifest.dense_index), vectors, folder)
        manifest.stores = digests(folder)
        manifest.save(folder)  # last: a generation without a manifest is incomplete
    except BaseException:
        discard(folder)
        raise
    publish(index_dir, folder)
    return folder.name


def describe_skipped(skipped: dict[str, str], shown: int = 3) -> str:
    """How many files were skipped and why (the first ``shown`` of them); "no files found" for none."""
    if not skipped:
        return "no files found"
    reasons = "; ".join(f"{path}: {reason}" for path, reason in list(skipped.items())[:shown])
    more = f"; {len(skipped) - shown} more" if len(skipped) > shown else ""
    return f"{len(skipped)} skipped: {reasons}{more}"


def _classify(files: list[CorpusFile], previous: Previous | None, summary: BuildSummary) -> None:
    """Sort files into added, changed, unchanged and skipped; unchanged files keep the
    skip reason they had, so an unparseable file is not retried until it changes (but one that
    timed out or lost its worker is: that says more about the machine than the file)."""
    old = previous.manifest.files if previous else {}
    old_skipped = previous.manifest.skipped if previous else {}
    paths = {f.path for f in files}
    for f in files:
        if f.error:
            summary.skipped[f.path] = f.error
        elif f.path not in old:
            summary.added.append(f.path)
        elif old[f.path].sha256 != f.sha256:
            summary.changed.append(f.path)
        elif f.path in old_skipped and old_skipped[f.path].startswith(TRANSIENT):
            summary.changed.append(f.path)  # a timeout or a lost worker: read it again
        else:
            summary.unchanged += 1
            if f.path in old_skipped:
                summary.skipped[f.path] = old_skipped[f.path]
    summary.removed = sorted(p for p in old if p not in paths)


def _unchanged(previous: Previous | None, summary: BuildSummary) -> bool:
    """Same settings, files and skipped files as the current index, none of its files damaged."""
    if previous is None or summary.rebuild_reason or previous.damaged:
        return False
    if summary.added or summary.changed or summary.removed:
        return False
    return set(previous.manifest.skipped) == set(summary.skipped)


def _loaded_embedder(embedder: Embedder | None, model: str, summary: BuildSummary) -> Embedder | None:
    """The embedding model, or None (with the reason in the summary) when it cannot load."""
    try:
        return embedder or Embedder(model)
    except EmbeddingUnavailable as error:
        summary.dense_warning = f"{error}; search will use BM25 only"
        return None


def _chunk_all(files: list[CorpusFile], previous: Previous | None, chunker: ChunkerSettings,
               tokenizer_settings: TokenizerSettings, summary: BuildSummary, progress: bool
               ) -> tuple[list[Document], list[StoredChunk]]:
    tokenize = Tokenizer(tokenizer_settings)
    reuse = previous is not None and summary.rebuild_reason is None
    fresh = set(summary.added) | set(summary.changed)
    documents: list[Document] = []
    stored: list[StoredChunk] = []
    for f in progress_bar([f for f in files if f.path not in summary.skipped], "chunking",
                          progress, unit="file"):
        old_doc = previous.records.document(f.path) if reuse and f.path not in fresh else None
        if old_doc is not None:
            documents.append(old_doc)
            stored.extend(previous.records.stored_chunks(f.path))
            continue
        try:
            parsed = read_document(f.absolute, f.read())
        except (SkipFile, OSError) as error:
            summary.skipped[f.path] = str(error)
            _forget(summary, f.path)
            continue
        except Exception as error:  # noqa: BLE001 - a reader's bug costs its file, never the build
            log.exception("reading %s failed", f.path)
            summary.skipped[f.path] = f"could not be read ({type(error).__name__})"
            _forget(summary, f.path)
            continue
        title, chunks = chunk_document(f.path, parsed, chunker)
        if not chunks:
            summary.skipped[f.path] = "no text"
            _forget(summary, f.path)
            continue
        documents.append(Document(f.path, title, parsed.text, parsed.pages))
        for chunk in chunks:
            text = indexed_text(chunk.title, chunk.section, chunk.text)
            stored.append(StoredChunk(chunk, tokenize(text),
                                      hashlib.sha256(text.encode()).hexdigest()[:32]))
    return documents, stored


def _forget(summary: BuildSummary, path: str) -> None:
    for group in (summary.added, summary.changed):
        if path in group:
            group.remove(path)


def _vectors(stored: list[StoredChunk], previous: Previous | None, embedder: Embedder | None,
             model: str, summary: BuildSummary, progress: bool) -> tuple[np.ndarray | None, int | None]:
    """Vectors for every chunk: reused by embedded-text hash, computed for the rest."""
    old_rows = {}
    if (previous is not None and previous.vectors is not None
            and previous.manifest.embedding_model == model):
        old_rows = previous.records.embed_keys()
    missing = sorted({s.embed_key for s in stored if s.embed_key not in old_rows})
    new_rows: dict[str, np.ndarray] = {}
    if missing:
        embedder = _loaded_embedder(embedder, model, summary)
        if embedder is None:
            return None, None
        texts = {s.embed_key: indexed_text(s.chunk.title, s.chunk.section, s.chunk.text) for s in stored}
        batch = 128
        for i in progress_bar(range(0, len(missing), batch), "embedding", progress,
                              unit="batch", total=-(-len(missing) // batch)):
            keys = missing[i:i + batch]
            for key, vector in zip(keys, embedder.encode([texts[k] for k in keys])):
                new_rows[key] = vector
    dimension = embedder.dimension if embedder else previous.manifest.dimension
    vectors = np.empty((len(stored), dimension), dtype=np.float32)
    for row, s in enumerate(stored):
        if s.embed_key in new_rows:
            vectors[row] = new_rows[s.embed_key]
            summary.embedded += 1
        else:
            vectors[row] = previous.vectors[old_rows[s.embed_key]]
            summary.reused_vectors += 1
    return vectors, dimension
