"""The extractive answer pipeline: the steps a question goes through, in order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from qa.answer.compose import Compose, Decline
from qa.answer.documents import ParsedDocuments
from qa.answer.evidence import EvidenceSearch, GatherEvidence
from qa.answer.headings import HeadingAnswers
from qa.answer.lookups import FindLookup
from qa.answer.lookups.field_lines import FieldLine
from qa.answer.lookups.list_items import ListItem
from qa.answer.lookups.message_headers import HeaderLine
from qa.answer.lookups.named_headings import NamedHeading
from qa.answer.lookups.table_extremes import TableExtreme
from qa.answer.lookups.table_rows import TableRow
from qa.answer.overview import Overview
from qa.answer.reader import Read
from qa.answer.scoring import AnswerSettings, SentenceScorer
from qa.answer.selection import Select
from qa.answer.small_talk import SmallTalk
from qa.answer.spans.finder import SpanFinder
from qa.answer.spans.model import ShortAnswerModel
from qa.answer.state import AnswerState, Evidence
from qa.query import PASSAGES_READ, check_query
from qa.records import Answer
from qa.search.retriever import Retriever
from qa.search.scoped import ScopedLexical
from qa.search.spelling import Speller


class Step(Protocol):
    """One step of the pipeline: reads the question's state, fills in its part (setting
    ``answer`` ends the run) and returns it."""

    def run(self, state: AnswerState) -> AnswerState: ...


class ExtractivePipeline:
    """From a question to its extractive answer: cited sentences of the retrieved passages, or
    a plain "not in the documents" when the evidence is too weak. Each part is built once
    from the retriever (and its index) and handed to the steps that use it."""

    def __init__(self, retriever: Retriever, settings: AnswerSettings | None = None, reader: bool = True) -> None:
        self.retriever = retriever
        self.settings = settings or AnswerSettings.load(dense=retriever.has_dense)
        self.scorer = SentenceScorer(retriever, self.settings)
        self.spans = SpanFinder(ShortAnswerModel.load(dense=retriever.has_dense), retriever.query_vectors,
                                self.scorer.sentence_vectors)
        documents = ParsedDocuments(retriever.records)
        headings = HeadingAnswers(documents.headings, self.spans.shown_span, retriever.tokenizer)
        speller = Speller(retriever.tokenizer, ScopedLexical(retriever.lexical), retriever.records)
        self.gather = GatherEvidence(EvidenceSearch(retriever, self.scorer, documents.tables, documents.code_blocks),
                                     speller)
        self.read = Read.load(self.settings.threshold, enabled=reader)  # the reader's say on the best few
        self.steps: list[Step] = [
            SmallTalk(retriever.doc_paths, retriever.served_mode),  # "hi": nothing searched
            self.gather,
            self.read,
            FindLookup([TableRow(retriever.tokenizer),
                        ListItem(documents.headings),  # before a table's extreme: "the first step" is no row
                        TableExtreme(retriever.tokenizer, documents.tables),
                        HeaderLine(), FieldLine(retriever.tokenizer), NamedHeading(headings)]),
            Overview(retriever, documents.tables),
            Decline(self.settings.threshold),
            Select(self.scorer, self.spans, headings, retriever.tokenizer),
            Compose(retriever.records),
        ]

    def __call__(self, question: str, history: Sequence[str] = (), mode: str = "hybrid", k: int = PASSAGES_READ,
                 docs: Sequence[str] = ()) -> Answer:
        """The answer to ``question`` after ``history`` (earlier questions, oldest first),
        limited to the documents or folders ``docs`` if given."""
        return self.run(self.start(question, history, mode, k, docs)).answer

    def start(self, question: str, history: Sequence[str], mode: str, k: int, docs: Sequence[str] = ()
              ) -> AnswerState:
        """The state a question starts from: checked, its document filter resolved (an unknown
        document fails here, before any search)."""
        return AnswerState(check_query(question, mode, k), list(history), mode, k, self.retriever.scope(docs))

    def run(self, state: AnswerState) -> AnswerState:
        for step in self.steps:
            state = step.run(state)
            if state.answer is not None:
                break
        return state

    def evidence(self, question: str, history: Sequence[str], mode: str, k: int) -> Evidence:
        """The scored evidence alone, for the question as given (fitting and benches: unchecked,
        as the fitted sets hold it)."""
        return self.gather.run(AnswerState(question, list(history), mode, k, None)).evidence

    def forget_cached(self) -> None:
        """Drop the cached sentence vectors (evaluation times each mode from cold)."""
        self.scorer.forget_vectors()
