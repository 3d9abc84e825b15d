"""The Python entry point: open an index once, then search and ask many times."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from index.backends import BackendConfig
from index.embedding import Embedder
from index.manifest import Manifest
from index.opening import open_index
from index.store import Document

from qa.answer.scoring import AnswerSettings
from qa.answer.spans.syntax import check_installed, parse
from qa.generate.client import LLMSettings
from qa.query import PASSAGES_READ, QueryError
from qa.records import Answer, Hit
from qa.search.retriever import FusionSettings, Retriever, SearchResult

class Assistant:
    """Answers questions from one index generation.

    >>> assistant = Assistant.open()                       # loads stores and model once
    >>> hits = assistant.search("green shipping corridor")  # list[Hit]
    >>> answer = assistant.ask("How many vessels does Singapore refuel each year?")
    >>> with_llm = Assistant.open(llm=LLMSettings("http://127.0.0.1:8080", "my-model"))
    >>> answer = with_llm.ask("Why did they agree?", generate=True)  # verified sentences
    """

    def __init__(self, index_dir: Path, generation: Path, manifest: Manifest,
                 retriever: Retriever, llm: LLMSettings | None = None, reader: bool = True) -> None:
        self.index_dir = index_dir
        self.generation = generation
        self.manifest = manifest
        self.retriever = retriever
        self.llm = llm
        self.reader = reader
        # read now, so that an unusable configuration or a missing parser fails on opening,
        # not mid-conversation
        self.answer_settings = AnswerSettings.load(dense=retriever.has_dense)
        check_installed()
        self._pipeline = self._generator = None

    @classmethod
    def open(cls, index_dir: str | Path | None = None, *, dense: bool = True,
             embedder: Embedder | None = None, fusion: FusionSettings = FusionSettings(),
             llm: LLMSettings | None = None, backend: BackendConfig | None = None,
             verify: bool = False, reader: bool = True) -> Assistant:
        """Load the current index generation from ``index_dir`` (default: ``$CORPUSQA_INDEX_DIR``
        or ``.corpusqa``). With ``dense=False`` the model is not loaded and search uses BM25.
        ``llm`` is the user's model server for ``ask(..., generate=True)``; ``backend`` overrides
        where ranking runs (default: as saved by ``corpusqa index --backend``). ``verify`` also
        reads every page of the records (``PRAGMA quick_check``: worth it for a server, which
        opens once, not for one command's question). Raises ``IndexUnavailable`` when there is
        no usable index; a damaged dense index leaves BM25 serving, its file named in the notice.
        ``reader=False`` answers without the reader model (``qa.answer.reader``)."""
        opened = open_index(index_dir, dense=dense, embedder=embedder, backend=backend, verify=verify)
        retriever = Retriever(opened.records, opened.lexical, opened.tokenizer, opened.backend, opened.embedder,
                              opened.dense_unavailable, fusion)
        try:
            return cls(opened.index_dir, opened.generation, opened.manifest, retriever, llm, reader)
        except Exception:
            retriever.close()
            raise

    def forget_cached(self) -> None:
        """Drop the cached query vectors, sentence vectors and parses, so that evaluation
        times each mode from cold, as a question about new passages is."""
        self.retriever.query_vectors.clear()
        if self._pipeline is not None:
            self._pipeline.forget_cached()
        parse.forget()

    def close(self) -> None:
        """Release the SQLite connections, caches and the model server's connection."""
        if self._generator is not None:
            self._generator.client.close()
        self.retriever.close()

    @property
    def pipeline(self):
        """The extractive answer pipeline (``qa.answer.pipeline``), built on first use."""
        if self._pipeline is None:
            from qa.answer.pipeline import ExtractivePipeline

            self._pipeline = ExtractivePipeline(self.retriever, self.answer_settings, self.reader)
        return self._pipeline

    @property
    def generator(self):
        """The generated-answer pipeline over ``llm``, built on first use."""
        if self.llm is None:
            raise QueryError("no language model configured: pass --llm-url and --llm-model, or set "
                             "CORPUSQA_LLM_URL and CORPUSQA_LLM_MODEL")
        if self._generator is None:
            from qa.generate.answerer import GeneratedAnswerer
            from qa.generate.client import LLMClient
            from qa.generate.answer_check import AnswerCheck
            from qa.generate.verification import Verifier

            encode = self.retriever.embedder.encode if self.retriever.has_dense else None
            read = self.pipeline.read
            check = AnswerCheck(read.reader, self.retriever.tokenizer, read.settings.threshold) \
                if read.reader is not None else None
            verifier = Verifier(self.retriever.tokenizer, encode, answer_check=check)
            self._generator = GeneratedAnswerer(self.pipeline, LLMClient(self.llm), verifier)
        return self._generator

    def __enter__(self) -> Assistant:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def search(self, query: str, k: int = 10, mode: str = "hybrid", docs: Sequence[str] = ()) -> list[Hit]:
        """The ``k`` best passages for ``query``; ``mode`` is hybrid, dense or bm25; ``docs``
        limits the search to these document paths or folders."""
        return self.retriever.search(query, k, mode, docs).hits

    def retrieve(self, query: str, k: int = 10, mode: str = "hybrid", docs: Sequence[str] = ()) -> SearchResult:
        """Like ``search``, also saying which mode served it and why (BM25 fallback)."""
        return self.retriever.search(query, k, mode, docs)

    def ask(self, question: str, history: Sequence[str] = (), mode: str = "hybrid",
            k: int = PASSAGES_READ, generate: bool = False, docs: Sequence[str] = ()) -> Answer:
        """Answer from the documents with cited sentences, or abstain with the closest matches.
        ``history`` holds the earlier questions of the conversation, oldest first; ``docs``
        limits the answer to these documents or folders. With ``generate``, the configured
        model writes the answer and only its verified sentences stay."""
        if not generate:
            return self.pipeline(question, history, mode, k, docs)
        *_, answer = self.ask_stream(question, history, mode, k, docs)
        return answer

    def ask_stream(self, question: str, history: Sequence[str] = (), mode: str = "hybrid",
                   k: int = PASSAGES_READ, docs: Sequence[str] = ()) -> Iterator[str | Answer]:
        """A generated answer as it is written (``str`` pieces), then the verified ``Answer``."""
        state = self.pipeline.start(question, history, mode, k, docs)  # a bad question fails here, not mid-stream
        return self.generator.stream(state)

    def documents(self) -> list[str]:
        """Every indexed document's path (what ``docs`` may name)."""
        return list(self.retriever.doc_paths)

    def document(self, doc: str) -> Document | None:
        """A document's full text and title, to show a citation in context."""
        return self.retriever.records.document(doc)
