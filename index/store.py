"""Document and chunk records in SQLite. Row ``i`` of ``chunks`` is vector ``i`` in
FAISS and document ``i`` in BM25; tokens are stored so BM25 is rebuilt without pickles."""

from __future__ import annotations

import bisect
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .chunking import Chunk
from .manifest import IndexUnavailable, stored_name

RECORDS_FILE = "records.sqlite"

_SCHEMA = """
CREATE TABLE documents (doc TEXT PRIMARY KEY, title TEXT NOT NULL, text TEXT NOT NULL,
    pages TEXT NOT NULL DEFAULT '');
CREATE TABLE chunks (
    row INTEGER PRIMARY KEY, chunk_id TEXT NOT NULL UNIQUE, doc TEXT NOT NULL REFERENCES documents,
    title TEXT NOT NULL, section TEXT NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    line_start INTEGER NOT NULL, line_end INTEGER NOT NULL, text TEXT NOT NULL,
    tokens TEXT NOT NULL, embed_key TEXT NOT NULL);
CREATE INDEX chunks_doc ON chunks(doc);
"""
_CHUNK_COLUMNS = 'chunk_id, doc, title, section, start, "end", line_start, line_end, text'


@dataclass(frozen=True)
class Document:
    doc: str
    title: str
    text: str
    pages: tuple[int, ...] = ()  # where each page starts (PDF), else empty

    def page_at(self, offset: int) -> int | None:
        """The 1-based page holding ``offset``, for paged documents."""
        return page_of(self.pages, offset)


def page_of(pages: tuple[int, ...], offset: int) -> int | None:
    """The 1-based page holding ``offset`` given each page's start offset (None: no pages)."""
    return bisect.bisect_right(pages, offset) if pages else None


@dataclass(frozen=True)
class StoredChunk:
    """A chunk with what the stores derive from it."""

    chunk: Chunk
    tokens: list[str]
    embed_key: str  # hash of the embedded text: equal keys share one vector


def write_records(path: Path, documents: Iterable[Document], chunks: Iterable[StoredChunk]) -> None:
    """Write a new records file in one transaction (``path`` must not exist)."""
    connection = sqlite3.connect(path)
    try:
        with connection:
            connection.executescript(_SCHEMA)
            connection.executemany("INSERT INTO documents VALUES (?, ?, ?, ?)",
                                   ((d.doc, d.title, d.text, " ".join(map(str, d.pages))) for d in documents))
            connection.executemany(
                f"INSERT INTO chunks (row, {_CHUNK_COLUMNS}, tokens, embed_key) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((row, *_chunk_values(s.chunk), " ".join(s.tokens), s.embed_key)
                 for row, s in enumerate(chunks)))
    finally:
        connection.close()


def _header_problem(path: Path) -> str | None:
    """What the file's first 100 bytes say is wrong with it: not SQLite, or shorter than the
    page count its header records (a truncated copy), without opening it as a database."""
    try:
        with path.open("rb") as handle:
            header = handle.read(100)
        size = path.stat().st_size
    except OSError as error:
        return error.strerror
    if len(header) < 100 or not header.startswith(b"SQLite format 3\x00"):
        return "not an SQLite database"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return "header damaged"
    pages = int.from_bytes(header[28:32], "big")
    recorded = header[24:28] == header[92:96]  # else the count predates the last write: unknown
    if recorded and size < page_size * pages:
        return f"truncated: {size} bytes of {page_size * pages}"
    return None


def _offsets(stored: str) -> tuple[int, ...]:
    return tuple(int(value) for value in stored.split())


def _chunk_values(chunk: Chunk) -> tuple:
    return (chunk.chunk_id, chunk.doc, chunk.title, chunk.section, chunk.start, chunk.end,
            chunk.line_start, chunk.line_end, chunk.text)


class RecordStore:
    """Read-only access to one index generation's records: each thread reads through its own
    read-only connection (as datasette does); ``close`` closes them all."""

    def __init__(self, path: Path) -> None:
        if not path.is_file():
            raise IndexUnavailable(f"index records missing: {stored_name(path)}")
        damaged = _header_problem(path)
        if damaged:
            raise IndexUnavailable(f"index records unreadable: {stored_name(path)} ({damaged})")
        self.path = path
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._closed = False
        # doc -> page starts, read on first use; two threads racing only read the same row twice
        self._pages: dict[str, tuple[int, ...]] = {}
        try:
            self.size = self._db.execute("SELECT count(*) FROM chunks").fetchone()[0]
            columns = {row[1] for row in self._db.execute("PRAGMA table_info(documents)")}
        except sqlite3.DatabaseError as error:
            self.close()
            raise IndexUnavailable(f"index records unreadable: {stored_name(path)} ({error})") from error
        self.has_pages = "pages" in columns  # indexes written before page numbers lack it

    def problem(self, chunks: int, documents: int | None = None) -> str | None:
        """What is wrong with the file, by SQLite's ``PRAGMA quick_check`` (every page read once,
        without the slower cross-checks of indexes against tables) and the counts the manifest
        recorded; None when it is whole."""
        name = stored_name(self.path)
        try:
            said = [row[0] for row in self._db.execute("PRAGMA quick_check(3)")]
            held = self._db.execute("SELECT count(*) FROM documents").fetchone()[0]
        except sqlite3.DatabaseError as error:
            return f"index records unreadable: {name} ({error})"
        if said != ["ok"]:
            return f"index records damaged: {name} ({' '.join(' '.join(said).split())[:300]})"
        if self.size != chunks or documents is not None and held != documents:
            shown = f"{held} documents and {self.size} chunks" if documents is not None else f"{self.size} chunks"
            wanted = f"{documents} and {chunks}" if documents is not None else str(chunks)
            return f"index records do not match the manifest: {name} holds {shown}, the manifest {wanted}"
        return None

    @property
    def _db(self) -> sqlite3.Connection:
        connection = getattr(self._local, "connection", None)
        if connection is None:
            with self._lock:
                if self._closed:
                    raise IndexUnavailable(f"index records closed: {stored_name(self.path)}")
                # check_same_thread=False only so that close() may close it from another thread.
                connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, check_same_thread=False)
                self._connections.append(connection)
            self._local.connection = connection
        return connection

    def close(self) -> None:
        with self._lock:
            self._closed = True
            connections, self._connections = self._connections, []
        for connection in connections:
            connection.close()

    @property
    def closed(self) -> bool:
        return self._closed

    def chunks(self, rows: list[int]) -> list[Chunk]:
        """The chunks at ``rows``, in that order."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        found = {row: Chunk(*values) for row, *values in self._db.execute(
            f"SELECT row, {_CHUNK_COLUMNS} FROM chunks WHERE row IN ({marks})", rows)}
        return [found[row] for row in rows]

    def stored(self, rows: list[int]) -> list[StoredChunk]:
        """The chunks at ``rows`` with their tokens and embedded-text keys, in that order."""
        if not rows:
            return []
        marks = ",".join("?" * len(rows))
        found = {row: StoredChunk(Chunk(*values), tokens.split(), key) for row, *values, tokens, key in self._db.execute(
            f"SELECT row, {_CHUNK_COLUMNS}, tokens, embed_key FROM chunks WHERE row IN ({marks})", rows)}
        return [found[row] for row in rows]

    def rows_of_chunks(self, chunk_ids: list[str]) -> list[int | None]:
        """The row of each chunk id (None for an id not in this generation), in that order."""
        if not chunk_ids:
            return []
        marks = ",".join("?" * len(chunk_ids))
        found = dict(self._db.execute(f"SELECT chunk_id, row FROM chunks WHERE chunk_id IN ({marks})", chunk_ids))
        return [found.get(chunk_id) for chunk_id in chunk_ids]

    def tokens(self) -> Iterator[list[str]]:
        for (tokens,) in self._db.execute("SELECT tokens FROM chunks ORDER BY row"):
            yield tokens.split()

    def embed_keys(self) -> dict[str, int]:
        """Embedded-text hash -> row of its vector."""
        return {key: row for row, key in self._db.execute("SELECT row, embed_key FROM chunks")}

    def row_docs(self) -> list[str]:
        """The document of every chunk row, in row order."""
        return [doc for (doc,) in self._db.execute("SELECT doc FROM chunks ORDER BY row")]

    def doc_paths(self) -> list[str]:
        """Every indexed document's path, sorted."""
        return [doc for (doc,) in self._db.execute("SELECT doc FROM documents ORDER BY doc")]

    def rows_of(self, docs: list[str]) -> np.ndarray:
        """The chunk rows of ``docs``, ascending."""
        marks = ",".join("?" * len(docs))
        rows = self._db.execute(f"SELECT row FROM chunks WHERE doc IN ({marks}) ORDER BY row", docs).fetchall()
        return np.fromiter((r for (r,) in rows), dtype=np.int64, count=len(rows))

    def sections(self, doc: str) -> list[tuple[int, str, int]]:
        """Each chunk row of ``doc`` with its section breadcrumb and end offset, in document order."""
        return self._db.execute('SELECT row, section, "end" FROM chunks WHERE doc = ? ORDER BY row', (doc,)).fetchall()

    def document(self, doc: str) -> Document | None:
        pages = "pages" if self.has_pages else "''"
        row = self._db.execute(f"SELECT doc, title, text, {pages} FROM documents WHERE doc = ?", (doc,)).fetchone()
        return Document(*row[:3], _offsets(row[3])) if row else None

    def page_at(self, doc: str, offset: int) -> int | None:
        """The page of ``doc`` holding ``offset`` (None for documents without pages). A
        generation never changes, so each document's page starts are read once."""
        if not self.has_pages:
            return None
        pages = self._pages.get(doc)
        if pages is None:
            row = self._db.execute("SELECT pages FROM documents WHERE doc = ?", (doc,)).fetchone()
            pages = self._pages[doc] = _offsets(row[0]) if row else ()
        return page_of(pages, offset)

    def stored_chunks(self, doc: str) -> list[StoredChunk]:
        """A document's chunks with their tokens, for reuse in the next build."""
        return [StoredChunk(Chunk(*values), tokens.split(), key) for *values, tokens, key in
                self._db.execute(f"SELECT {_CHUNK_COLUMNS}, tokens, embed_key FROM chunks "
                                 "WHERE doc = ? ORDER BY row", (doc,))]
