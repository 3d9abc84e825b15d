"""What the page serves from: the current index generation, handed out as leases so that a
re-index can swap it while questions are being answered and close the old one once the
last of them is done; the model (loaded once), the corpus folder and the feedback store.
A generation published by another process (a second app server, ``corpusqa index``) is
picked up on the next question. Each generation opened has its files read in full against their
recorded checksums in the background (startup is not held up); a mismatch is logged and named
in every answer's notice until a re-index replaces the generation."""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
import weakref
from collections.abc import Iterator
from pathlib import Path

from index.builder import BuildSummary, build_index
from index.embedding import Embedder
from index.generations import current_generation
from index.integrity import mark_damaged, mismatches
from index.manifest import IndexUnavailable
from index.store import Document
from qa.assistant import Assistant
from qa.query import PASSAGES_READ
from qa.feedback import FEEDBACK_FILE, FeedbackStore
from qa.generate.client import LLMSettings
from qa.records import Answer
from qa.search.retriever import SearchResult
from qa.answer.spans.syntax import parse

log = logging.getLogger("corpusqa.index")


class Service:
    def __init__(self, corpus: Path, index_dir: Path, embedder: Embedder | None = None,
                 llm: LLMSettings | None = None, follow_seconds: float = 2.0) -> None:
        """``follow_seconds``: how often a question checks for a generation published elsewhere."""
        self.corpus, self.index_dir = corpus, index_dir
        self.embedder, self.llm = embedder, llm
        self.follow_seconds, self._next_check = follow_seconds, time.monotonic() + follow_seconds
        self._reindex_lock = threading.Lock()
        self._unopened = ""  # why the newest generation could not be opened, last time it was tried
        self._lock = threading.Lock()  # guards the current assistant and the lease counts
        self._damaged: weakref.WeakKeyDictionary[Assistant, str] = weakref.WeakKeyDictionary()  # by full checks
        self._current = self._open()
        self._leases: dict[Assistant, int] = {self._current: 0}
        self.feedback = FeedbackStore(index_dir / FEEDBACK_FILE)  # a damaged one is moved aside, not fatal
        self.notes = [self.feedback.replaced] if self.feedback.replaced else []  # for whoever starts it to show
        parse.load_in_background()  # for short answers

    def _open(self) -> Assistant:
        # verify: a server opens each generation once, so reading every page of its records pays
        assistant = Assistant.open(self.index_dir, embedder=self.embedder, llm=self.llm, verify=True)
        damaged = assistant.retriever.dense_unavailable or ""
        if damaged.startswith("dense index"):  # served as BM25 only until rebuilt: the log says where
            log.warning("%s (index %s): serving BM25 only", damaged, self.index_dir)
        if self.embedder is None and assistant.retriever.embedder is not None:
            self.embedder = assistant.retriever.embedder
        if assistant.manifest.stores:  # recorded since checksums were (an older index has none)
            threading.Thread(target=self.check_files, args=(assistant,), name="index-checksums", daemon=True).start()
        return assistant

    def check_files(self, assistant: Assistant) -> str | None:
        """Read ``assistant``'s generation in full against its recorded checksums (run in the
        background by ``_open``); a mismatch is logged, marked for the next build to rebuild, and
        returned as the note its answers carry from now on."""
        damaged = mismatches(assistant.generation, assistant.manifest.stores)
        if not damaged or not assistant.generation.is_dir():  # pruned meanwhile: replaced, not damaged
            return None
        note = (f"index files do not match the checksums recorded when they were built: {', '.join(damaged)} "
                "(damaged on disk?); answers may be wrong until a re-index rebuilds them")
        log.warning("%s (index %s)", note, self.index_dir)
        try:
            mark_damaged(assistant.generation, damaged)
        except OSError as error:
            log.warning("could not mark %s damaged for the next build: %s", assistant.generation, error)
        with self._lock:
            self._damaged[assistant] = note
        return note

    def _noted(self, assistant: Assistant, result):
        """``result`` (an answer or search result) with the full check's note on its generation, if any."""
        with self._lock:
            note = self._damaged.get(assistant)
        if note is None:
            return result
        return dataclasses.replace(result, notice="; ".join(filter(None, (result.notice, note))))

    @contextlib.contextmanager
    def lease(self) -> Iterator[Assistant]:
        """The current generation, kept open until the block ends even if a re-index
        replaces it meanwhile."""
        self._follow_current()
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
            for note in summary.notes:  # damaged files written again, say
                log.warning("%s (index %s)", note, self.index_dir)
            if not summary.up_to_date:
                self._serve(self._open())
            return summary

    def _follow_current(self) -> None:
        """Serve the current generation if another process published it (checked at most
        every ``follow_seconds``); one that cannot open yet (its Qdrant upload still running)
        is tried again later, the old one serving meanwhile."""
        now = time.monotonic()
        if now < self._next_check:
            return
        self._next_check = now + self.follow_seconds
        if not self._reindex_lock.acquire(blocking=False):
            return  # a re-index here swaps it itself
        try:
            if current_generation(self.index_dir).name != self.generation:
                self._serve(self._open())
        except IndexUnavailable as error:
            if str(error) != self._unopened:  # once per cause: a Qdrant upload in progress repeats it
                log.warning("%s (index %s): the previous generation keeps serving", error, self.index_dir)
            self._unopened = str(error)
        finally:
            self._reindex_lock.release()

    def _serve(self, fresh: Assistant) -> None:
        """Answer new questions from ``fresh``; close the old one once idle."""
        with self._lock:
            old, self._current = self._current, fresh
            self._leases[fresh] = 0
            idle = self._leases[old] == 0
            if idle:
                del self._leases[old]
        if idle:
            old.close()

    def ask(self, question: str, history: list[str] | None = None, mode: str = "hybrid",
            k: int = PASSAGES_READ, generate: bool = False, docs: list[str] | None = None) -> Answer:
        with self.lease() as assistant:
            return self._noted(assistant, assistant.ask(question, history or [], mode=mode, k=k, generate=generate,
                                                        docs=docs or ()))

    def ask_stream(self, question: str, history: list[str] | None = None, mode: str = "hybrid",
                   k: int = PASSAGES_READ, docs: list[str] | None = None) -> Iterator[str | Answer]:
        """The model's text as it arrives, then the verified answer (one lease throughout)."""
        with self.lease() as assistant:
            for piece in assistant.ask_stream(question, history or [], mode=mode, k=k, docs=docs or ()):
                yield piece if isinstance(piece, str) else self._noted(assistant, piece)

    def retrieve(self, query: str, k: int = 10, mode: str = "hybrid", docs: list[str] | None = None) -> SearchResult:
        with self.lease() as assistant:
            return self._noted(assistant, assistant.retrieve(query, k, mode, docs or ()))

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
