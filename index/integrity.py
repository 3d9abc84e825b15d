"""The full check of an index generation: every store file read against the SHA-256 digest
recorded when it was built. The checks at open (headers, sizes, counts, ``quick_check``) find a
truncated or foreign file, not a byte flipped in the middle of the vectors; this reads every
byte, so a server runs it in the background. A generation found damaged is marked (a
``DAMAGED`` file listing what) so that the next build rebuilds it instead of reusing it."""

from __future__ import annotations

import hashlib
from pathlib import Path

from .manifest import FILES_FILE, MANIFEST_FILE

DAMAGED_FILE = "DAMAGED"
_NOT_STORES = {MANIFEST_FILE, FILES_FILE, DAMAGED_FILE}  # what holds the digests, or is written after


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):  # a block at a time: a 1 GB dense.faiss is not held in memory
            digest.update(block)
    return digest.hexdigest()


def digests(folder: Path) -> dict[str, str]:
    """Each store file of the generation ``folder`` (path relative to it) -> its SHA-256."""
    return {path.relative_to(folder).as_posix(): sha256(path) for path in sorted(folder.rglob("*"))
            if path.is_file() and path.relative_to(folder).as_posix() not in _NOT_STORES}


def mismatches(folder: Path, recorded: dict[str, str]) -> list[str]:
    """The files of ``recorded`` that are missing or differ, named as notices name them
    ("gen-…/dense.faiss": never where the index lives)."""
    found = []
    for name, digest in recorded.items():
        path = folder / name
        try:
            whole = path.is_file() and sha256(path) == digest
        except OSError:
            whole = False
        if not whole:
            found.append(f"{folder.name}/{name}")
    return found


def mark_damaged(folder: Path, names: list[str]) -> None:
    (folder / DAMAGED_FILE).write_text("\n".join(names) + "\n", encoding="utf-8")


def marked_damaged(folder: Path) -> list[str]:
    """What a full check found damaged in ``folder`` ([]: nothing, or never checked)."""
    try:
        return (folder / DAMAGED_FILE).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return []
