"""The manifest: what an index was built from and with, as JSON beside the stores."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

FORMAT_VERSION = 1
# How files become text and chunks (an index read with an earlier one is rebuilt): 2: HTML and
# DOCX tables as Markdown pipe tables; 3: an all-bold line ("**Why was I charged twice?**") a heading;
# 4: so is a question after "Q:" ("Q: How do I cancel my subscription?"), and CSV / TSV files are read
# (as pipe tables; they had been skipped).
# 5: documents read into one block model (Markdown by markdown-it-py, front matter left out), a
# wrapped line no sentence boundary, code blocks kept whole.
TEXT_VERSION = 5
MANIFEST_FILE = "manifest.json"
FILES_FILE = "files.json"  # the per-file entries, read by builds only


class IndexUnavailable(RuntimeError):
    """The index is missing, corrupt or from an incompatible version."""


def stored_name(path: Path) -> str:
    """A store file as messages name it: its generation and name ("gen-…/dense.faiss"), never
    its absolute path, so that a notice can reach a client without telling where the index lives."""
    return f"{path.parent.name}/{path.name}"


@dataclass(frozen=True)
class FileEntry:
    sha256: str
    size: int
    chunks: int


@dataclass
class Manifest:
    project_version: str
    corpus: str
    embedding_model: str | None  # None: built without vectors (model unavailable)
    dimension: int | None
    chunker: dict
    tokenizer: dict
    dense_index: dict  # {"type": "flat"} or {"type": "hnsw", ...}
    bm25: dict = field(default_factory=dict)  # BM25Settings; {} in indexes from before it was recorded
    text_version: int = 1  # the TEXT_VERSION its files were read with (1: before it was recorded)
    files: dict[str, FileEntry] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)  # path -> reason
    chunks: int = 0
    built_at: str = ""
    format_version: int = FORMAT_VERSION
    # SHA-256 of each store file, for the full check a server runs in the background
    # (index/integrity.py); {} in indexes from before they were recorded
    stores: dict[str, str] = field(default_factory=dict)

    def save(self, folder: Path) -> None:
        """The settings in ``manifest.json``; the per-file entries (a million at 1M documents,
        ~130 MB) beside it in ``files.json``, so opening an index for questions never parses them."""
        raw = asdict(self)
        (folder / FILES_FILE).write_text(json.dumps(raw.pop("files"), ensure_ascii=False), encoding="utf-8")
        (folder / MANIFEST_FILE).write_text(json.dumps({**raw, "files": FILES_FILE}, indent=2, ensure_ascii=False),
                                            encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, files: bool = True) -> Manifest:
        """The manifest of a generation; ``files=False`` leaves ``files`` empty (answering
        questions needs the settings only). Manifests that hold their entries inline still load."""
        path = folder / MANIFEST_FILE
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError as error:
            raise IndexUnavailable(f"index manifest missing: {path}") from error
        except (OSError, ValueError) as error:
            raise IndexUnavailable(f"index manifest unreadable: {path} ({error})") from error
        if not isinstance(raw, dict) or raw.get("format_version") != FORMAT_VERSION:
            found = raw.get("format_version") if isinstance(raw, dict) else None
            raise IndexUnavailable(f"index format {found!r} is not {FORMAT_VERSION}: "
                              "rebuild it with `corpusqa index`")
        try:
            entries = raw["files"]
            if entries == FILES_FILE:
                entries = json.loads((folder / FILES_FILE).read_text(encoding="utf-8")) if files else {}
            raw["files"] = {name: FileEntry(**entry) for name, entry in entries.items()}
            return cls(**raw)
        except (TypeError, KeyError, AttributeError, OSError, ValueError) as error:
            raise IndexUnavailable(f"index manifest malformed: {path} ({error})") from error
