"""Index folders as immutable generations behind an atomically replaced pointer.

A build writes a new ``gen-*`` folder and only then replaces ``CURRENT`` (a one-line
file) with ``os.replace``: a reader opens either the old or the new generation, never
a mix, and a build killed at any moment leaves the previous generation in place.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import time
import uuid
from pathlib import Path

from .manifest import IndexUnavailable

INDEX_DIR_ENV = "CORPUSQA_INDEX_DIR"
CACHE_ENV = "CORPUSQA_CACHE"
DEFAULT_INDEX_DIR = ".corpusqa"
POINTER_FILE = "CURRENT"
KEEP_PREVIOUS = 1  # generations kept besides the current one, for readers still using them


def resolve_index_dir(index_dir: str | Path | None) -> Path:
    return Path(index_dir or os.environ.get(INDEX_DIR_ENV) or DEFAULT_INDEX_DIR).expanduser().resolve()


def cache_root() -> Path:
    """Where derived data is cached (ONNX exports, BEIR indexes): ``$CORPUSQA_CACHE`` or
    ``~/.cache/corpusqa``."""
    return Path(os.environ.get(CACHE_ENV) or Path.home() / ".cache" / "corpusqa")


def current_generation(index_dir: Path) -> Path:
    """The folder of the generation readers should open."""
    pointer = index_dir / POINTER_FILE
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexUnavailable(f"no index in {index_dir}: build it with `corpusqa index`") from None
    except OSError as error:
        raise IndexUnavailable(f"cannot read {pointer}: {error}") from error
    folder = index_dir / name
    if not name.startswith("gen-") or "/" in name or not folder.is_dir():
        raise IndexUnavailable(f"{pointer} names a missing generation {name!r}: "
                               "rebuild with `corpusqa index`")
    return folder


def new_generation(index_dir: Path) -> Path:
    folder = index_dir / f"gen-{time.strftime('%Y%m%dT%H%M%S')}-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    return folder


def publish(index_dir: Path, folder: Path) -> None:
    """Make ``folder`` the current generation (durably), then prune old ones."""
    for path in folder.iterdir():
        _fsync(path)
    _fsync(folder)
    temporary = index_dir / f".{POINTER_FILE}.{uuid.uuid4().hex}"
    temporary.write_text(folder.name + "\n", encoding="utf-8")
    _fsync(temporary)
    os.replace(temporary, index_dir / POINTER_FILE)
    _fsync(index_dir)
    _prune(index_dir, keep=folder.name)


def _prune(index_dir: Path, keep: str) -> None:
    """Remove all generations but the current and the newest previous ones, and
    the leftovers of interrupted builds (which are never the current one)."""
    others = sorted((p for p in index_dir.glob("gen-*") if p.name != keep),
                    key=lambda p: p.stat().st_mtime, reverse=True)
    completed = [p for p in others if (p / "manifest.json").exists()]
    for folder in others:
        if folder not in completed[:KEEP_PREVIOUS]:
            shutil.rmtree(folder, ignore_errors=True)
    for stray in index_dir.glob(f".{POINTER_FILE}.*"):
        stray.unlink(missing_ok=True)


def discard(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def build_lock(index_dir: Path):
    """One build at a time per index folder; a second waits instead of racing."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / "build.lock", "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (os.O_DIRECTORY if path.is_dir() else 0)
    descriptor = os.open(path, flags)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
