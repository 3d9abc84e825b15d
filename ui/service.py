"""What the page serves from: the current index generation, handed out as leases so that a
re-index can swap it while questions are being answered and close the old one once the
last of them is done; the model (loaded once), the corpus folder and the feedback store."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path

from index.builder import BuildSummary, build_index
from index.embedding import Embedder
from index.store import Document
from qa.assistant import PASSAGES_READ, Assistant
from qa.feedback import FEEDBACK_FILE, FeedbackStore
from qa.generation import LLMSettings
from qa.records import Answer
from qa.retrieval import SearchResult


class Service:
    def __init__(self, corpus: Path, index_dir: Path, embedder: Embedder | None = None,
                 llm: LLMSettings | None = None) -> None:
        self.corpus, self.index_dir = corpus, index_dir
        self.embedder, self.llm = embedder, llm
        self._reindex_lock = threading.Lock()
        self._lock = threading.Lock()  # guards the current assistant and the lease counts
        self._current = self._open()
        self._leases: dict[Assistant, int] = {self._current: 0}
        self.feedback = FeedbackStore(index_dir / FEEDBACK_FILE)

    def _open(self) -> Assistant:
        assistant = Assistant.open(self.index_dir, embedder=self.embedder, llm=self.llm)
        if self.embedder is None and assistant.retriever.embedder is not None:
            self.embedder = assistant.retriever.embedder
        return assistant

    @contextlib.contextmanager
    def lease(self) -> Iterator[Assistant]:
        """The current generation, kept open until the block ends even if a re-index
        replaces it meanwhile."""
        with self._lock:
            assistant = self._current
            self._leases[assistant] += 1
        try:
            yield assistant
        finally:
            with self._lock:
                self._leases[assistant] -= 1
                retired = assistant is not self._current and self._leases[assistant] == 0
                if retired:
                    del self._leases[assistant]
            if retired:
                assistant.close()

    @property
    def generation(self) -> str:
        """The name of the generation new questions are answered from."""
        return self._current.generation.name

    def reindex(self, progress: bool = False) -> BuildSummary:
        """Bring the index up to date with the corpus, then serve the new generation;
        the old one is closed when its last question is answered."""
        with self._reindex_lock:
            summary = build_index(self.corpus, self.index_dir, embedder=self.embedder, progress=progress)
            if not summary.up_to_date:
                fresh = self._open()
                with self._lock:
                    old, self._current = self._current, fresh
                    self._leases[fresh] = 0
                    idle = self._leases[old] == 0
                    if idle:
                        del self._leases[old]
                if idle:
                    old.close()
            return summary

    def ask(self, question: str, history: list[str] | None = None, mode: str = "hybrid",
            k: int = PASSAGES_READ, generate: bool = False, docs: list[str] | None = None) -> Answer:
        with self.lease() as assistant:
            return assistant.ask(question, history or [], mode=mode, k=k, generate=generate, docs=docs or ())

    def ask_stream(self, question: str, history: list[str] | None = None, mode: str = "hybrid",
                   k: int = PASSAGES_READ, docs: list[str] | None = None) -> Iterator[str | Answer]:
        """The model's text as it arrives, then the verified answer (one lease throughout)."""
        with self.lease() as assistant:
            yield from assistant.ask_stream(question, history or [], mode=mode, k=k, docs=docs or ())

    def retrieve(self, query: str, k: int = 10, mode: str = "hybrid", docs: list[str] | None = None) -> SearchResult:
        with self.lease() as assistant:
            return assistant.retrieve(query, k, mode, docs or ())

    def documents(self) -> list[str]:
        with self.lease() as assistant:
            return assistant.documents()

    def document(self, doc: str) -> Document | None:
        with self.lease() as assistant:
            return assistant.document(doc)

    def close(self) -> None:
        with self._lock:
            open_assistants = list(self._leases)
            self._leases.clear()
        for assistant in open_assistants:
            assistant.close()
        self.feedback.close()
