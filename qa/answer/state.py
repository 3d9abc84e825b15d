"""What the answer pipeline's steps pass along: the question's state, filled in step by step."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from index.backends import Scope

from qa.answer.candidates import Candidate
from qa.answer.conversation import Turn
from qa.answer.headings import Heading
from qa.records import Answer
from qa.search.retriever import SearchResult


@dataclass
class Evidence:
    """What an answer is drawn from: the resolved turn, its passages and scored sentences."""

    turn: Turn
    result: SearchResult
    candidates: list[Candidate]
    features: np.ndarray  # candidates × answer.features.FEATURES
    scores: np.ndarray  # per candidate: which sentence answers best
    confidence: float  # whether any does: compared with the abstention threshold
    spelling: str | None = None  # which typed words were read as others (``search.spelling.Reading.notice``)
    reading: object | None = None  # what the reader said of the best candidates (``answer.reader.Reading``)
    # the scores the sentences cited beside the lead are chosen by, if not ``scores`` (the
    # reader's logits widen the gaps between candidates, and support would thin out)
    support_scores: np.ndarray | None = None


@dataclass(frozen=True)
class Lookup:
    """An answer the question's shape finds, not a sentence score: the candidate that leads,
    the span of it shown as the short answer, or a heading with its span (cited first), and
    whether the lead is cited alone."""

    lead: int
    span: tuple[int, int] | None = None
    heading: tuple[Heading, tuple[int, int]] | None = None
    alone: bool = False


@dataclass
class Choice:
    """The sentences cited, in order, the span of the first shown as the short answer, and the
    heading cited before them with its span, if one answers."""

    chosen: list[Candidate]
    span: tuple[int, int] | None = None
    heading: tuple[Heading, tuple[int, int]] | None = None


@dataclass
class AnswerState:
    """One question on its way through the pipeline: what was asked, and what each step found.
    A step that sets ``answer`` ends the run."""

    question: str  # as typed (checked: ``qa.query.check_query``)
    history: Sequence[str]  # the conversation's earlier questions, oldest first
    mode: str
    k: int
    scope: Scope | None  # the documents the question is limited to, if any
    evidence: Evidence | None = None
    lookup: Lookup | None = None
    overview_sentences: list[Candidate] = field(default_factory=list)  # a document's opening, if asked for
    choice: Choice | None = None
    answer: Answer | None = None
    as_read: str = ""  # the question as read: its typos corrected (set with the evidence)
