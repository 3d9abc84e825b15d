"""Gathering evidence: the passages a question retrieves and their candidate sentences, scored,
read in the conversation's context when the question leans on it."""

from __future__ import annotations

from collections.abc import Callable

from index.backends import Scope

from qa.answer.candidates import candidate_sentences
from qa.answer.conversation import NONE, STRONG, WEAK, Turn, dependence, with_context
from qa.answer.scoring import SentenceScorer
from qa.answer.state import AnswerState, Evidence
from qa.query import QueryError, check_query
from qa.search.retriever import Retriever
from qa.search.spelling import Speller

HISTORY_TURNS = 4  # earlier questions that can shape a follow-up (each refers to the one before)


class EvidenceSearch:
    """Searches for a turn of the conversation and scores its passages' sentences. ``tables`` /
    ``code_blocks``: a document's table headers / code spans (``ParsedDocuments``)."""

    def __init__(self, retriever: Retriever, scorer: SentenceScorer, tables: Callable, code_blocks: Callable) -> None:
        self.retriever, self.scorer = retriever, scorer
        self.tables, self.code_blocks = tables, code_blocks

    def __call__(self, turn: Turn, question: str, mode: str, k: int, scope: Scope | None) -> Evidence:
        """The evidence for ``turn`` (searched by its retrieval query), its sentences scored as
        answers to ``question``."""
        result = self.retriever.search(turn.retrieval_query, k, mode, scope)
        candidates = candidate_sentences(result.hits, self.tables, self.code_blocks)
        features = self.scorer.features(turn.retrieval_query, question, candidates)
        scores = self.scorer.score(features)
        return Evidence(turn, result, candidates, features, scores, self.scorer.confidence(features, scores))


class GatherEvidence:
    """Step: resolves the last ``HISTORY_TURNS`` turns of the conversation in order (unusable
    ones skipped), then gathers the question's evidence, each question read with its typos
    corrected: alone, in the conversation's context (a strong cue: "What about its price?"),
    or whichever gives the more confident evidence (a weak cue)."""

    def __init__(self, search: EvidenceSearch, speller: Speller) -> None:
        self.search, self.speller = search, speller

    def run(self, state: AnswerState) -> AnswerState:
        previous = None
        for earlier in list(state.history)[-HISTORY_TURNS:]:
            try:
                asked = self.speller.read(check_query(earlier, state.mode, state.k), state.scope).question
                previous = self._turn(asked, previous, state)
            except QueryError:
                continue
        reading = self.speller.read(state.question, state.scope)  # typos read against the documents searched
        state.evidence = self._evidence(reading.question, previous, state)
        state.as_read = reading.question
        state.evidence.spelling = reading.notice
        return state

    def _turn(self, question: str, previous: Turn | None, state: AnswerState) -> Turn:
        """How an earlier question was searched; only a weak cue needs its evidence to tell."""
        kind = dependence(question) if previous is not None else NONE
        if kind == NONE:
            return Turn(question, question, NONE)
        if kind == STRONG:
            return Turn(question, with_context(question, previous)[0], STRONG)
        return self._evidence(question, previous, state).turn

    def _evidence(self, question: str, previous: Turn | None, state: AnswerState) -> Evidence:
        kind = dependence(question) if previous is not None else NONE
        alone = None
        if kind != STRONG:
            alone = self.search(Turn(question, question, NONE), question, state.mode, state.k, state.scope)
            if kind == NONE:
                return alone
        query, self_contained = with_context(question, previous)
        # a rewritten question ("When was KORUS FTA implemented?") is scored as asked that way
        in_context = self.search(Turn(question, query, kind), query if self_contained else question,
                                 state.mode, state.k, state.scope)
        if kind == WEAK and alone.confidence >= in_context.confidence:
            return alone
        return in_context
