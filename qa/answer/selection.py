"""The sentences an answer cites: which candidate leads (the best scored, or the one holding
a clearer short answer, a table's asked row, a list's lead-in with its items), the others
nearly as good, the short answer shown of the lead, and a heading of its section that answers
what the lead does not. The lookups' lead, if one was found, takes the first place."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np

from index.sentences import unwrapped
from index.text import masked_markup
from index.tokenization import Tokenizer

from qa.answer.candidates import Candidate
from qa.answer.headings import HeadingAnswers
from qa.answer.lookups.message_headers import is_header_line
from qa.answer.scoring import SentenceScorer
from qa.answer.spans.finder import SpanFinder
from qa.answer.spans.model import BestSpan
from qa.answer.spans.definitions import defined_name, definition
from qa.answer.spans.rules import shown_span, withheld
from qa.answer.state import AnswerState, Choice
from qa.answer.tables import unmarked

# The lead is the best, by score plus LEAD_WEIGHTS times its best span's score and share, of the
# LEAD_CANDIDATES best-scored sentences within LEAD_SCORE_GAP of the best: a sentence holding a
# clear short answer leads one that merely shares more words (bench/README.md, "lead sentence").
LEAD_CANDIDATES = 2
LEAD_WEIGHTS = (0.3, 1.0)
LEAD_SCORE_GAP = 1.5
# A list item leads alone only when it scores this much above every other item of its list
# ("Which plan has phone support?": the Enterprise item); otherwise the lead-in with its whole
# list leads ("Which formats can I import?": three items nearly alike).
ITEM_MARGIN = 0.5


class Select:
    """Step: chooses the cited sentences, the short answer and an answering heading."""

    def __init__(self, scorer: SentenceScorer, spans: SpanFinder, headings: HeadingAnswers,
                 tokenizer: Tokenizer) -> None:
        self.scorer, self.spans, self.headings, self.tokenizer = scorer, spans, headings, tokenizer

    def run(self, state: AnswerState) -> AnswerState:
        """An overview's opening sentences as they are; else the lookup's lead or the best
        sentence first, then a table row's asked cell, a defined party's name, a term's short
        definition, the short-answer model's span, or a heading of the lead's section."""
        if state.overview_sentences:
            state.choice = Choice(state.overview_sentences)
            return state
        evidence, found, question = state.evidence, state.lookup, state.as_read
        scores = leading_scores(evidence.candidates, evidence.scores)
        lead, best = (found.lead, None) if found else self.lead(question, evidence.turn.retrieval_query,
                                                                evidence.candidates, scores)
        support = scores if evidence.support_scores is None else \
            leading_scores(evidence.candidates, evidence.support_scores)
        chosen = [evidence.candidates[lead]] if found and found.alone else \
            self.scorer.select(evidence.candidates, support, first=lead)
        first = chosen[0].text
        cell = found.span if found else chosen[0].named_cell(question, self.tokenizer, evidence.turn.retrieval_query)
        span = (cell and unmarked(first, cell)) or defined_name(question, first) or definition(question, first)
        best = read_span(best, evidence.reading, lead, question, first) if self.spans.shown(best) else best
        own = first[slice(*best.span)] if not span and self.spans.shown(best) else None
        heading = found.heading if found else None if span else self.headings.of_lead(question, chosen[0], own)
        if heading is None and own:
            span = shown_span(first, best.span, question)
        state.choice = Choice(chosen, span, heading)
        return state

    def lead(self, question: str, context: str, candidates: list[Candidate], scores: np.ndarray
             ) -> tuple[int, BestSpan | None]:
        """The sentence cited first, with its best short-answer span: of the ``LEAD_CANDIDATES``
        best-scored sentences within ``LEAD_SCORE_GAP`` of the best, the one of highest
        ``lead_weight``. A lead-in with its list has no short answer, and leads in place of an
        item of it that does not stand out (``whole_list``); the row the question (or its
        ``context``: the conversation's) asks about, or a sentence under the section it names,
        leads in place of the best."""
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:LEAD_CANDIDATES]]
        top = [i for i in order if scores[order[0]] - scores[i] < LEAD_SCORE_GAP]
        spans = {i: self.spans.best(question, candidates[i].text) for i in top if not candidates[i].is_list}
        lead = max(top, key=lambda i: lead_weight(float(scores[i]), spans.get(i)))
        whole = whole_list(candidates, scores, lead)
        if whole is not None:
            return whole, None
        moved = asked_row(candidates, scores, lead, [question, context], self.tokenizer)
        if moved is None:
            moved = named_section(candidates, scores, lead, question, self.tokenizer, LEAD_SCORE_GAP)
        if moved is not None:
            return moved, self.spans.best(question, candidates[moved].text)
        return lead, spans.get(lead)


def read_span(best: BestSpan, reading, lead: int, question: str, sentence: str) -> BestSpan:
    """``best`` with the reader's span of the lead in place of the span model's, where the reader
    read the lead's text as it is (the span model still says whether a short answer is shown:
    its rules withhold one for "what happens if…", an amount for "who")."""
    span = reading.spans.get(lead) if reading is not None else None
    if not span or span[1] <= span[0] or (best.span[0] <= span[0] and span[1] <= best.span[1]):
        return best  # none, or a part of the span model's phrase ("Ltd" of "Acme Holdings Ltd", a whole name by rule)
    return replace(best, span=span, withheld=withheld(question, unwrapped(masked_markup(sentence)), span))


def leading_scores(candidates: list[Candidate], scores: np.ndarray) -> np.ndarray:
    """The candidates' scores as they compete to be cited: a message's header lines answer
    only when a question looks one up ("Who sent it?"), if any other sentence is there (the
    body says what a subject line sums up)."""
    headers = np.array([is_header_line(c) for c in candidates], dtype=bool)
    return np.where(headers, -np.inf, scores) if headers.any() and not headers.all() else scores


def lead_weight(score: float, best: BestSpan | None, weights: tuple[float, float] = LEAD_WEIGHTS) -> float:
    """How strongly a sentence should lead: its selection score plus ``weights`` times its
    best span's score and softmax share (a sentence without a candidate span, or whose best
    span is ``withheld``: its score)."""
    return score + (weights[0] * best.score + weights[1] * best.share if best and not best.withheld else 0.0)


def whole_list(candidates: list[Candidate], scores: Sequence[float], item: int) -> int | None:
    """The lead-in with its list, in place of candidate ``item``, when that is one of the
    list's items and does not score ``ITEM_MARGIN`` above each of the others."""
    def inside(outer: Candidate, inner: Candidate) -> bool:
        return inner.hit.doc == outer.hit.doc and outer.start <= inner.start and inner.end <= outer.end

    for whole, listed in enumerate(candidates):
        if listed.is_list and not candidates[item].is_list and inside(listed, candidates[item]):
            others = [scores[i] for i, c in enumerate(candidates) if i != item and not c.is_list and inside(listed, c)]
            return whole if others and scores[item] - max(others) < ITEM_MARGIN else None
    return None


def asked_row(candidates: list[Candidate], scores: Sequence[float], lead: int, asked: Sequence[str],
              tokenize: Callable[[str], list[str]]) -> int | None:
    """In place of a table row that leads, the best-scored row of the same passage that holds
    more cells of the first of ``asked`` (the question, then the question with the
    conversation's context) that holds any ("How many users can the Team plan have?": the Team
    row, not the Enterprise row the sentence score preferred), if there is one."""
    if not candidates[lead].columns:
        return None
    rows = [i for i, c in enumerate(candidates) if c.columns and c.hit.chunk_id == candidates[lead].hit.chunk_id]
    for text in asked:
        held = {i: candidates[i].cells_asked(text, tokenize) for i in rows}
        best = max(rows, key=lambda i: (held[i], scores[i]))
        if held[best]:
            return best if held[best] > held[lead] else None
    return None


def named_section(candidates: list[Candidate], scores: Sequence[float], lead: int, question: str,
                  tokenize: Callable[[str], list[str]], gap: float) -> int | None:
    """In place of the lead, the best-scored candidate within ``gap`` of it whose section
    heading names a term of the question that the lead and its heading do not, and that holds
    more of the question's terms with its heading than the lead does ("What was fixed in
    version 2.0?": the item under "Version 2.0 › Fixes", not 2.2's fix), if there is one."""
    asked = set(tokenize(question))

    def held(c: Candidate) -> set[str]:
        return asked & set(tokenize(f"{c.text} {c.hit.section}"))

    led = held(candidates[lead])
    named = {i: len(held(c)) for i, c in enumerate(candidates)
             if scores[lead] - scores[i] < gap and asked & set(tokenize(c.hit.section)) - led}
    best = max(named, key=lambda i: (named[i], scores[i]), default=None)
    return best if best is not None and named[best] > len(led) else None
