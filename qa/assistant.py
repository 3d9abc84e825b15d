"""The Python entry point: open an index once, then search and ask many times."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path

from index.backends import BackendConfig, open_backend
from index.dense import load_dense
from index.embedding import Embedder, EmbeddingUnavailable
from index.generations import current_generation, resolve_index_dir
from index.lexical import BM25_FOLDER, BM25Settings, LexicalIndex
from index.manifest import IndexUnavailable, Manifest
from index.store import RECORDS_FILE, Document, RecordStore
from index.tokenization import Tokenizer, TokenizerSettings

from .generation import LLMSettings
from .records import Answer, Hit
from .retrieval import FusionSettings, QueryError, Retriever, SearchResult, check_query
from .scoped_spelling import ScopedLexical, scoped_steps, spelling_within
from .scoring import AnswerSettings
from .small_talk import reply as small_talk_reply
from .span_syntax import check_installed, parse

PASSAGES_READ = 8  # passages an answer reads: `ask`, the page, calibration and eval alike


class Assistant:
    """Answers questions from one index generation.

    >>> assistant = Assistant.open()                       # loads stores and model once
    >>> hits = assistant.search("green shipping corridor")  # list[Hit]
    >>> answer = assistant.ask("How many vessels does Singapore refuel each year?")
    >>> with_llm = Assistant.open(llm=LLMSettings("http://127.0.0.1:8080", "my-model"))
    >>> answer = with_llm.ask("Why did they agree?", generate=True)  # verified sentences
    """

    def __init__(self, index_dir: Path, generation: Path, manifest: Manifest,
                 retriever: Retriever, llm: LLMSettings | None = None) -> None:
        self.index_dir = index_dir
        self.generation = generation
        self.manifest = manifest
        self.retriever = retriever
        self.llm = llm
        # read now, so that an unusable configuration or a missing parser fails on opening,
        # not mid-conversation
        self.answer_settings = AnswerSettings.load(dense=retriever.has_dense)
        check_installed()
        self._answerer = self._generator = None

    @classmethod
    def open(cls, index_dir: str | Path | None = None, *, dense: bool = True,
             embedder: Embedder | None = None, fusion: FusionSettings = FusionSettings(),
             llm: LLMSettings | None = None, backend: BackendConfig | None = None,
             verify: bool = False) -> Assistant:
        """Load the current index generation from ``index_dir`` (default: ``$CORPUSQA_INDEX_DIR``
        or ``.corpusqa``). With ``dense=False`` the model is not loaded and search uses BM25.
        ``llm`` is the user's model server for ``ask(..., generate=True)``; ``backend`` overrides
        where ranking runs (default: as saved by ``corpusqa index --backend``). ``verify`` also
        reads every page of the records (``PRAGMA quick_check``: worth it for a server, which
        opens once, not for one command's question). Raises ``IndexUnavailable`` when there is
        no usable index; a damaged dense index leaves BM25 serving, its file named in the notice."""
        index_dir = resolve_index_dir(index_dir)
        generation = current_generation(index_dir)
        manifest = Manifest.load(generation, files=False)  # settings only: fast at 1M documents
        records = RecordStore(generation / RECORDS_FILE)
        problem = records.problem(manifest.chunks) if verify else None
        if problem is None and records.size != manifest.chunks:
            problem = f"index records hold {records.size} chunks, the manifest {manifest.chunks}"
        if problem:
            records.close()
            raise IndexUnavailable(f"{problem}: rebuild with `corpusqa index`")
        tokenizer = Tokenizer(TokenizerSettings.from_manifest(manifest.tokenizer))
        try:
            bm25 = BM25Settings(**manifest.bm25)
        except (TypeError, ValueError) as error:
            raise IndexUnavailable(f"index BM25 settings unusable ({error}): rebuild with `corpusqa index`") from error
        lexical = _open_lexical(generation, records, bm25)
        try:
            config = backend or BackendConfig.load(index_dir)
        except ValueError as error:
            raise IndexUnavailable(str(error)) from error
        dense_index, reason = None, "not requested"
        if dense:
            try:
                dense_index, embedder = _load_dense(generation, manifest, records.size, embedder,
                                                    local=config.name == "local")
                reason = None
            except (EmbeddingUnavailable, IndexUnavailable) as error:
                reason, embedder = str(error), None
                if reason.startswith("dense index"):  # a damaged file, not a missing model
                    reason += "; the next `corpusqa index` rebuilds it"
        ranking = open_backend(config, generation, records, dense_index, lexical)
        retriever = Retriever(records, lexical, tokenizer, ranking, embedder, reason, fusion)
        try:
            return cls(index_dir, generation, manifest, retriever, llm)
        except Exception:
            retriever.close()
            raise

    def forget_cached(self) -> None:
        """Drop the cached query vectors, sentence vectors and parses, so that evaluation
        times each mode from cold, as a question about new passages is."""
        self.retriever.query_vectors.clear()
        if self._answerer is not None:
            self._answerer.scorer.forget_vectors()
        parse.forget()

    def close(self) -> None:
        """Release the SQLite connections, caches and the model server's connection."""
        if self._generator is not None:
            self._generator.client.close()
        self.retriever.close()

    @property
    def answerer(self):
        """The answer pipeline, built on first use."""
        if self._answerer is None:
            from .answering import Answerer

            answerer = Answerer(self.retriever, self.answer_settings)
            # typos are read against the documents a question is limited to (qa/scoped_spelling.py)
            answerer.speller.lexical = ScopedLexical(answerer.speller.lexical)
            self._answerer = answerer
        return self._answerer

    @property
    def generator(self):
        """The generated-answer pipeline over ``llm``, built on first use."""
        if self.llm is None:
            raise QueryError("no language model configured: pass --llm-url and --llm-model, or set "
                             "CORPUSQA_LLM_URL and CORPUSQA_LLM_MODEL")
        if self._generator is None:
            from .generated import GeneratedAnswerer
            from .generation import LLMClient
            from .verification import Verifier

            encode = self.retriever.embedder.encode if self.retriever.has_dense else None
            verifier = Verifier(self.retriever.tokenizer, encode)
            self._generator = GeneratedAnswerer(self.answerer, LLMClient(self.llm), verifier)
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
            scope = self.retriever.scope(docs)
            replied = self._small_talk(question, mode, k, scope)
            if replied is not None:
                return replied
            with spelling_within(scope):
                return self.answerer.ask(question, history, mode=mode, k=k, docs=docs)
        *_, answer = self.ask_stream(question, history, mode, k, docs)
        return answer

    def ask_stream(self, question: str, history: Sequence[str] = (), mode: str = "hybrid",
                   k: int = PASSAGES_READ, docs: Sequence[str] = ()) -> Iterator[str | Answer]:
        """A generated answer as it is written (``str`` pieces), then the verified ``Answer``."""
        scope = self.retriever.scope(docs)
        replied = self._small_talk(question, mode, k, scope)
        if replied is not None:
            return iter([replied])
        return scoped_steps(self.generator.stream(question, history, mode, k, docs), scope)

    def _small_talk(self, question: str, mode: str, k: int, scope) -> Answer | None:
        """The small-talk reply ("hi") naming only the documents ``docs`` allows, when limited
        (the answerer's own reply names every indexed document)."""
        if scope is None:
            return None
        question = check_query(question, mode, k)
        said = small_talk_reply(question, list(scope.docs))
        return None if said is None else Answer(question=question, text=said, abstained=True, citations=[],
                                                passages=[], mode=self.retriever.served_mode(mode)[0],
                                                confidence=0.0)

    def documents(self) -> list[str]:
        """Every indexed document's path (what ``docs`` may name)."""
        return list(self.retriever.doc_paths)

    def document(self, doc: str) -> Document | None:
        """A document's full text and title, to show a citation in context."""
        return self.retriever.records.document(doc)


def _open_lexical(generation: Path, records: RecordStore, settings: BM25Settings) -> LexicalIndex:
    """The saved BM25 matrix, memory-mapped; built from the stored tokens when it is missing
    (an index from an earlier version), unreadable or not for these records and settings."""
    folder = generation / BM25_FOLDER
    if folder.is_dir():
        try:
            return LexicalIndex.load(folder, settings, records.size)
        except (OSError, ValueError, KeyError):
            pass  # the next build writes it again (index/previous.py checks it)
    return LexicalIndex(list(records.tokens()), settings)


def _load_dense(generation: Path, manifest: Manifest, size: int, embedder: Embedder | None, local: bool = True):
    """The FAISS index (None when a remote backend holds the vectors) and the model."""
    if manifest.dense_index.get("type") == "none" or manifest.dimension is None:
        raise IndexUnavailable("the index was built without vectors; run `corpusqa index` "
                               "once the embedding model is available")
    if embedder is not None and embedder.name != manifest.embedding_model:
        raise IndexUnavailable(f"the index was embedded with {manifest.embedding_model!r}, "
                               f"not {embedder.name!r}")
    index = load_dense(generation, manifest.dense_index, size, manifest.dimension) if local else None
    return index, embedder or Embedder(manifest.embedding_model)
