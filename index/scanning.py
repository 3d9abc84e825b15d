"""Find the corpus files and fingerprint them."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from .loaders import SUPPORTED_SUFFIXES
from .progress import progress_bar


class CorpusError(ValueError):
    """The corpus folder cannot be indexed; the message says why."""


@dataclass(frozen=True)
class CorpusFile:
    path: str  # relative to the corpus root, forward slashes
    absolute: Path
    size: int
    sha256: str | None  # None when the file could not be read
    error: str | None  # why it is skipped before parsing, if it is

    def read(self) -> bytes:
        return self.absolute.read_bytes()


def scan_corpus(corpus: Path, progress: bool = False) -> list[CorpusFile]:
    """Every non-hidden file below ``corpus``, sorted by path, hashed if supported."""
    if not corpus.exists():
        raise CorpusError(f"corpus folder not found: {corpus}")
    if not corpus.is_dir():
        raise CorpusError(f"corpus is not a folder: {corpus}")
    if not os.access(corpus, os.R_OK | os.X_OK):
        raise CorpusError(f"corpus folder is not readable: {corpus}")
    paths = []
    for root, folders, names in os.walk(corpus, onerror=None):
        folders[:] = sorted(f for f in folders if not f.startswith("."))
        paths.extend(Path(root) / n for n in names if not n.startswith("."))
    paths.sort()
    return [_fingerprint(corpus, p) for p in progress_bar(paths, "scanning", progress, unit="file")]


def _fingerprint(corpus: Path, path: Path) -> CorpusFile:
    relative = path.relative_to(corpus).as_posix()
    if path.is_symlink() and not path.resolve().is_relative_to(corpus.resolve()):
        return CorpusFile(relative, path, 0, None, "link to outside the corpus")
    if path.suffix.lower() not in SUPPORTED_SUFFIXES:
        return CorpusFile(relative, path, 0, None, f"unsupported type {path.suffix or '(none)'}")
    try:
        data = path.read_bytes()
    except OSError as error:
        return CorpusFile(relative, path, 0, None, f"unreadable ({error.strerror or error})")
    return CorpusFile(relative, path, len(data), hashlib.sha256(data).hexdigest(), None)
