"""Reading a file in a worker process, so that a hostile file costs one worker, never the
caller: the worker runs under an address-space limit (``RLIMIT_AS``) and a wall-clock
timeout, is reused across files, and is started anew after it was killed or crashed.

Why not ``multiprocessing`` / ``ProcessPoolExecutor``: with "spawn" or "forkserver" a
worker imports the parent's main script first (``corpusqa`` → the CLI → torch: seconds
and hundreds of MB of address space counted against the worker's limit), a hung worker
cannot be killed through the executor's public API, and results come back by unpickling.
Here the worker is a fresh interpreter (``subprocess``: exec'd at once, safe in a parent
with threads and torch loaded) that imports only ``index.formats`` and the reader it is
asked for, and answers in JSON: nothing from the worker is ever unpickled.

The protocol on the worker's stdin/stdout: requests are two frames (the reader's module
name, the file's bytes), answers one frame of JSON (``{"document": ...}`` or ``{"skip":
reason}``); a frame is an 8-byte big-endian length and that many bytes.
"""

from __future__ import annotations

import atexit
import importlib
import json
import logging
import os
import select
import struct
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

from ..document_model import Block, ParsedDocument
from . import SkipFile
from .limits import MAX_TEXT_CHARS

TIMEOUT_S = 60.0
MEMORY_BYTES = 2 * 1024 ** 3
# The reader of each suffix this package reads (the dispatcher may add to it: the worker is
# told the module's name, never a name taken from a file).
READERS = {
    ".html": "index.formats.html", ".htm": "index.formats.html", ".xhtml": "index.formats.html",
    ".docx": "index.formats.docx", ".pptx": "index.formats.pptx", ".xlsx": "index.formats.xlsx",
    ".xlsm": "index.formats.xlsx", ".odt": "index.formats.odt", ".epub": "index.formats.epub",
    ".ipynb": "index.formats.ipynb", ".rst": "index.formats.rst", ".rest": "index.formats.rst",
    ".pdf": "index.formats.pdf",
}
_MAX_ANSWER = MAX_TEXT_CHARS * 8 + (64 << 20)  # JSON of the largest text allowed, with its blocks
_ROOT = str(Path(__file__).resolve().parents[2])  # the folder holding the ``index`` package
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from index.formats.sandbox import serve; serve(int(sys.argv[2]))"


def read_document(suffix: str, data: bytes, *, isolated: bool = True, timeout_s: float = TIMEOUT_S,
                  memory_bytes: int = MEMORY_BYTES) -> ParsedDocument:
    """Read ``data`` with the reader for ``suffix`` (``READERS``): in the worker process
    (``isolated``), or here, in this process (tests, one-off tools). Raises ``SkipFile``."""
    module = READERS.get(suffix.lower())
    if module is None:
        raise SkipFile(f"unsupported type {suffix or '(no extension)'}")
    if isolated:
        return _WORKER.read(module, data, timeout_s, memory_bytes)
    return importlib.import_module(module).read(data)


# What the worker inherits: enough to run Python and find its packages, never the parent's
# secrets (model-server keys, the shared password) while it parses files it cannot trust.
_KEPT_VARIABLES = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "VIRTUAL_ENV", "PYTHONPATH", "HF_HOME",
                   "OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
TRANSIENT = ("took longer than", "the reader process")  # skip reasons worth a retry at the next build


def _worker_environment() -> dict[str, str]:
    kept = {name: os.environ[name] for name in _KEPT_VARIABLES if name in os.environ}
    return {**kept, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1"}  # numpy: few threads


def read_in_worker(suffix: str, data: bytes, timeout_s: float = TIMEOUT_S,
                   memory_bytes: int = MEMORY_BYTES) -> ParsedDocument:
    """``read_document`` in the worker: a reader that runs out of time or memory, or
    crashes, raises ``SkipFile`` here and the next call gets a new worker."""
    return read_document(suffix, data, isolated=True, timeout_s=timeout_s, memory_bytes=memory_bytes)


def shutdown() -> None:
    """Stop the worker (it is started again when needed)."""
    _WORKER.stop()


class _Worker:
    """The one worker process and the lock that gives it one file at a time."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen | None = None
        self._memory = 0
        self._pid = 0  # the parent's pid when started: a forked child starts its own worker

    def read(self, module: str, data: bytes, timeout_s: float, memory_bytes: int) -> ParsedDocument:
        with self._lock:
            for attempt in (1, 2):  # a worker that died between two files is replaced once
                try:
                    process = self._ready(memory_bytes)
                    _send(process.stdin, module.encode())
                    _send(process.stdin, data)
                    break
                except (BrokenPipeError, OSError):
                    self._stop()
                    if attempt == 2:
                        raise SkipFile("the reader process could not be started") from None
            try:
                answer = _receive(process.stdout.fileno(), time.monotonic() + timeout_s)
            except TimeoutError:
                self._stop()
                raise SkipFile(f"took longer than {timeout_s:g} s to read") from None
            except (EOFError, OSError, ValueError):  # died mid-file: the memory limit, or a crash
                raise SkipFile(self._died(memory_bytes)) from None
            try:
                reply = json.loads(answer)
                if "skip" in reply:
                    if reply.get("restart"):
                        self._stop()
                    raise SkipFile(str(reply["skip"]))
                return _document(reply["document"])
            except (TypeError, ValueError, KeyError, IndexError) as error:  # not what a worker writes
                self._stop()
                raise SkipFile("the reader returned a malformed result") from error

    def stop(self) -> None:
        with self._lock:
            self._stop()

    def _died(self, memory_bytes: int) -> str:
        """Why the worker stopped answering, as a skip reason; the worker is stopped."""
        try:
            code = self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # it answered nonsense but lives on
            code = None
        self._stop()
        if code is not None and code > 0:  # exited by itself: it could not start, or a reader exited
            return f"the reader process exited (status {code})"
        return f"needed more than {_gigabytes(memory_bytes)} to read, or crashed the reader"

    def _ready(self, memory_bytes: int) -> subprocess.Popen:
        if self._process is not None and (self._process.poll() is not None or self._memory != memory_bytes
                                          or self._pid != os.getpid()):
            self._stop()
        if self._process is None:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, _ROOT, str(memory_bytes)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE,  # stderr: the parent's, for its log
                env=_worker_environment())
            self._memory, self._pid = memory_bytes, os.getpid()
        return self._process

    def _stop(self) -> None:
        process, self._process = self._process, None
        if process is not None and self._pid == os.getpid():
            process.kill()
            process.wait()
            for stream in (process.stdin, process.stdout):
                try:
                    stream.close()
                except OSError:  # a request cut short leaves bytes that cannot be flushed now
                    pass


_WORKER = _Worker()
atexit.register(shutdown)


def _gigabytes(n: int) -> str:
    return f"{n / 1024 ** 3:g} GB"


def _send(stream, payload: bytes) -> None:
    stream.write(struct.pack(">Q", len(payload)))
    stream.write(payload)
    stream.flush()


def _receive(fd: int, deadline: float) -> bytes:
    """One frame from ``fd`` before ``deadline`` (TimeoutError), or EOFError at its end."""
    size = struct.unpack(">Q", _exactly(fd, 8, deadline))[0]
    if size > _MAX_ANSWER:
        raise ValueError(f"an answer of {size} bytes")
    return _exactly(fd, size, deadline)


def _exactly(fd: int, size: int, deadline: float) -> bytes:
    chunks, left = [], size
    while left:
        remaining = None if deadline == float("inf") else deadline - time.monotonic()
        if remaining is not None and (remaining <= 0 or not select.select([fd], [], [], remaining)[0]):
            raise TimeoutError
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _plain(document: ParsedDocument) -> dict:
    return {"text": document.text, "title": document.title, "pages": list(document.pages),
            "page_label": document.page_label, "metadata": [list(pair) for pair in document.metadata],
            "blocks": [[b.kind, b.start, b.end, b.level, b.info, b.new_paragraph] for b in document.blocks]}


def _document(plain: dict) -> ParsedDocument:
    """The worker's JSON as a ParsedDocument, every field checked for its type (the document
    model checks the blocks' kinds and offsets)."""
    text, title, label = plain["text"], plain["title"], plain["page_label"]
    blocks = tuple(Block(str(k), int(s), int(e), int(lv), str(i), bool(n)) for k, s, e, lv, i, n in plain["blocks"])
    if not isinstance(text, str) or not isinstance(label, str) or not isinstance(title, (str, type(None))):
        raise TypeError("text, title and page label must be strings")
    metadata = tuple((str(key), str(value)) for key, value in plain["metadata"])
    return ParsedDocument(text, blocks, title, tuple(int(p) for p in plain["pages"]), label, metadata)


def serve(memory_bytes: int) -> None:
    """The worker's loop (run by ``_BOOT`` in a fresh interpreter): limits first, then one
    answer per request until its stdin closes."""
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (memory_bytes, memory_bytes))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # a crash writes no core file
    requests, answers = os.dup(0), os.fdopen(os.dup(1), "wb")
    os.dup2(os.open(os.devnull, os.O_RDWR), 0)
    os.dup2(2, 1)  # a library's print() must not corrupt the answers
    warnings.simplefilter("ignore")  # openpyxl, pdfium and others warn about files, not about us
    logging.disable(logging.CRITICAL)
    while True:
        try:
            module = _receive(requests, float("inf")).decode()
            data = _receive(requests, float("inf"))
        except EOFError:
            return
        reply = _answer(module, data, memory_bytes)
        del data
        _send(answers, json.dumps(reply, ensure_ascii=False).encode("utf-8", "replace"))  # "?" keeps offsets
        if reply.get("restart"):
            return


def _answer(module: str, data: bytes, memory_bytes: int) -> dict:
    try:  # ``module`` is a name from the parent's READERS table
        return {"document": _plain(importlib.import_module(module).read(data))}
    except SkipFile as error:
        return {"skip": str(error)}
    except MemoryError:  # this worker's heap may be in any state now: the parent starts a new one
        return {"skip": f"needed more than {_gigabytes(memory_bytes)} to read", "restart": True}
    except RecursionError:
        return {"skip": "nested too deeply to read"}
    except Exception as error:  # a reader's bug: the type only (its text may hold the file's content)
        return {"skip": f"could not be read ({type(error).__name__})"}
