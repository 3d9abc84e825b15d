"""Where dense and sparse ranking run: this machine (FAISS + the BM25 matrix) or a Qdrant
collection. The choice is saved beside the index (``backend.json``) by ``corpusqa index
--backend``, so ``ask``, ``search``, ``serve`` and ``eval`` follow it without repeating flags.
Optional dependencies are imported only by the backend that needs them."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from .base import Scope, SearchBackend

__all__ = ["BACKEND_FILE", "BackendConfig", "Scope", "SearchBackend", "open_backend", "serve_generation", "sync_backend"]

BACKEND_FILE = "backend.json"
BACKENDS = ("local", "qdrant")
FUSIONS = ("client", "rrf", "dbsf")  # hybrid fused in corpusqa, or by Qdrant
QDRANT_KEY_ENV = "CORPUSQA_QDRANT_API_KEY"


@dataclass(frozen=True)
class BackendConfig:
    name: str = "local"
    qdrant_url: str | None = None  # a server or cluster
    qdrant_path: str | None = None  # qdrant-client's embedded local mode
    collection: str = "corpusqa"  # the alias queries go to; each generation is its own collection
    shards: int = 1  # per collection, on a cluster
    replicas: int = 1  # copies of each shard, on a cluster
    fusion: str = "client"  # FUSIONS

    def __post_init__(self) -> None:
        if self.name not in BACKENDS:
            raise ValueError(f"unknown backend {self.name!r}: {' or '.join(BACKENDS)}")
        if self.name == "qdrant" and not (self.qdrant_url or self.qdrant_path):
            raise ValueError("the qdrant backend needs --qdrant-url URL or --qdrant-path DIR")
        if self.fusion not in FUSIONS:
            raise ValueError(f"unknown Qdrant fusion {self.fusion!r}: {', '.join(FUSIONS)}")
        if self.name == "local" and self.fusion != "client":
            raise ValueError("--qdrant-fusion needs the qdrant backend (--qdrant-url or --qdrant-path)")
        if self.shards < 1 or self.replicas < 1:
            raise ValueError("shards and replicas must be at least 1")

    @property
    def vectors_here(self) -> bool:
        """Whether this machine's FAISS file holds the vectors searched (not a Qdrant collection)."""
        return self.name == "local"

    @classmethod
    def load(cls, index_dir: Path) -> BackendConfig:
        path = index_dir / BACKEND_FILE
        if not path.is_file():
            return cls()
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError, TypeError) as error:
            raise ValueError(f"{path} is unusable ({error}): run `corpusqa index --backend ...` again") from error

    def save(self, index_dir: Path) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        (index_dir / BACKEND_FILE).write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


def sync_backend(index_dir: Path, generation: Path, progress: bool = False) -> str | None:
    """Make the configured backend serve ``generation``; a note on what was done, if anything."""
    return serve_generation(BackendConfig.load(index_dir), generation, progress)


def serve_generation(config: BackendConfig, generation: Path, progress: bool = False) -> str | None:
    """Make ``config``'s backend serve ``generation`` (a Qdrant collection is published from its
    files; the local backend reads them as they are); a note on what was done, if anything."""
    if config.vectors_here:
        return None
    from .qdrant_publish import publish_generation

    return publish_generation(config, generation, progress)


def open_backend(config: BackendConfig, generation: Path, records, local_dense, local_lexical) -> SearchBackend:
    """The backend that ranks for ``generation`` (``records``: its chunk records): local
    stores, or the Qdrant collection behind the alias."""
    if config.name == "qdrant":
        from .qdrant import QdrantBackend

        return QdrantBackend(config, generation, records)
    from .local import LocalBackend

    return LocalBackend(local_dense, local_lexical)
