"""Adding documents from the page: safe names, type and size limits, and nothing written
outside the chosen folder of the corpus (``<corpus>/uploads`` unless a user's folders say
otherwise); an existing file is never replaced."""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from index.loaders import SUPPORTED_SUFFIXES, SkipFile, read_document

UPLOAD_SUFFIXES = SUPPORTED_SUFFIXES  # whatever the indexer reads can be uploaded
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UPLOAD_FOLDER = "uploads"


@dataclass
class UploadReport:
    saved: list[str] = field(default_factory=list)  # paths relative to the corpus
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (name as given, reason)

    def message(self) -> str:
        lines = [f"added {path}" for path in self.saved]
        lines += [f"rejected {name!r}: {reason}" for name, reason in self.rejected]
        return "\n".join(lines) or "no files"


def safe_name(name: str) -> str | None:
    """A plain file name from an untrusted one: no folders, no odd characters, an allowed
    extension; None when nothing usable remains."""
    base = unicodedata.normalize("NFKC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = re.sub(r"[^\w.\-]", "_", base.strip()).strip("._")
    base = re.sub(r"_{2,}", "_", base)
    stem, dot, suffix = base.rpartition(".")
    if not dot or not stem.strip("._- ") or f".{suffix.lower()}" not in UPLOAD_SUFFIXES:
        return None
    return f"{stem[:100]}.{suffix.lower()}"


def save_uploads(files: list[tuple[str, Path]], corpus: Path, folder: str = UPLOAD_FOLDER) -> UploadReport:
    """Copy ``(original name, temporary path)`` pairs into ``<corpus>/<folder>`` (a relative
    path, already checked to be the uploader's)."""
    report = UploadReport()
    target = (corpus / folder).resolve()
    if not target.is_relative_to(corpus.resolve()) or target == corpus.resolve():
        raise ValueError("the uploads folder is outside the corpus")
    target.mkdir(parents=True, exist_ok=True)
    existing = {hashlib.sha256(p.read_bytes()).hexdigest(): p.name for p in target.iterdir() if p.is_file()}
    for original, temporary in files:
        reason, name = _check(original, temporary)
        if reason:
            report.rejected.append((original, reason))
            continue
        data = temporary.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in existing:
            report.rejected.append((original, f"same content as {folder}/{existing[digest]}"))
            continue
        try:  # read as the indexer will (a hostile file in the worker): one it cannot read is not kept
            read_document(Path(name), data)
        except SkipFile as error:
            report.rejected.append((original, f"cannot be indexed: {error}"))
            continue
        destination = _free_path(target, name)
        partial = destination.with_name(f".{destination.name}.partial")
        partial.write_bytes(data)
        os.replace(partial, destination)
        existing[digest] = destination.name
        report.saved.append(destination.relative_to(corpus.resolve()).as_posix())
    return report


def _check(original: str, temporary: Path) -> tuple[str | None, str]:
    name = safe_name(original)
    if name is None:
        allowed = ", ".join(UPLOAD_SUFFIXES)
        return f"not an allowed file name or type (allowed: {allowed})", ""
    size = temporary.stat().st_size
    if size > MAX_UPLOAD_BYTES:
        return f"too large ({size / 1048576:.1f} MB; the limit is {MAX_UPLOAD_BYTES // 1048576} MB)", ""
    if size == 0:
        return "empty file", ""
    return None, name


def _free_path(folder: Path, name: str) -> Path:
    candidate = folder / name
    stem, suffix = candidate.stem, candidate.suffix
    number = 2
    while candidate.exists():
        candidate = folder / f"{stem}-{number}{suffix}"
        number += 1
    return candidate
