"""Answers measured on SQuAD-format data: every question asked through ``Assistant.ask`` (what
the chat page does), compared with the gold spans of the indexed text."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass

from index.progress import progress_bar

from qa.assistant import Assistant
from qa.query import PASSAGES_READ
from qa.evaluate.retrieval import percentile
from qa.evaluate.labelled import holds_answer, normalise_answer
from qa.records import Answer
from qa.evaluate.squad import SquadDataset, SquadQuestion

FIT, REPORT = "fit", "report"


def article_split(dataset: SquadDataset) -> dict[str, str]:
    """Article title -> "fit" or "report", alternating in file order (by article, never by
    question: questions of one paragraph share wording). In the shipped set this puts one of
    the two articles with unanswerable questions on each side."""
    return {a.title: (FIT if i % 2 == 0 else REPORT) for i, a in enumerate(dataset.articles)}


@dataclass
class SquadOutcome:
    question: SquadQuestion
    answer: Answer
    cited_gold: bool  # some cited sentence holds a gold span
    first_cited_gold: bool
    text_holds_gold: bool  # a gold answer string appears in the answer text (whole words)
    exact: float  # short answer exact match (0 without a short answer)
    f1: float  # short answer token F1
    latency_ms: float


def holds_span(answer: Answer, question: SquadQuestion, first_only: bool = False) -> bool:
    citations = answer.citations[:1] if first_only else answer.citations
    return any(c.doc == question.doc and c.start <= start and end <= c.end
               for c in citations for start, end in question.spans)


def token_f1(prediction: str, gold: str) -> float:
    predicted, expected = normalise_answer(prediction).split(), normalise_answer(gold).split()
    common = sum((Counter(predicted) & Counter(expected)).values())
    if not common:
        return 0.0
    precision, recall = common / len(predicted), common / len(expected)
    return 2 * precision * recall / (precision + recall)


def ask_all(assistant: Assistant, questions: list[SquadQuestion], mode: str = "hybrid",
            k: int = PASSAGES_READ, history: dict[str, list[str]] | None = None,
            progress: bool = False) -> list[SquadOutcome]:
    """``history`` gives some questions a preceding turn (e.g. from another article)."""
    assistant.forget_cached()  # each mode timed from cold
    outcomes = []
    for q in progress_bar(questions, f"asking ({mode})", progress, unit="question"):
        started = time.perf_counter()
        answer = assistant.ask(q.question, (history or {}).get(q.id, []), mode=mode, k=k)
        latency = (time.perf_counter() - started) * 1000
        short = answer.short_answer if not answer.abstained else None
        outcomes.append(SquadOutcome(
            q, answer, holds_span(answer, q), holds_span(answer, q, first_only=True),
            not answer.abstained and holds_answer(answer.text, list(q.answers)),
            max((float(normalise_answer(short) == normalise_answer(g)) for g in q.answers), default=0.0) if short else 0.0,
            max((token_f1(short, g) for g in q.answers), default=0.0) if short else 0.0, latency))
    return outcomes


def summarise(outcomes: list[SquadOutcome], mode: str) -> dict:
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    answered = [o for o in outcomes if not o.answer.abstained]
    declined = [o for o in outcomes if o.answer.abstained]

    def share(items, condition) -> float | None:
        return round(sum(1 for o in items if condition(o)) / len(items), 4) if items else None

    return {
        "mode": mode, "questions": len(outcomes), "answerable": len(answerable),
        "answered": share(answerable, lambda o: not o.answer.abstained),
        "cited_sentence_holds_gold": share(answerable, lambda o: o.cited_gold),
        "first_cited_holds_gold": share(answerable, lambda o: o.first_cited_gold),
        "answer_text_holds_gold": share(answerable, lambda o: o.text_holds_gold),
        "short_answer_exact": round(sum(o.exact for o in answerable) / len(answerable), 4) if answerable else None,
        "short_answer_f1": round(sum(o.f1 for o in answerable) / len(answerable), 4) if answerable else None,
        "short_answer_given": share(answerable, lambda o: bool(o.answer.short_answer) and not o.answer.abstained),
        "unanswerable_declined": share(unanswerable, lambda o: o.answer.abstained),
        "answered_precision": share(answered, lambda o: o.question.answerable),
        "abstention_precision": share(declined, lambda o: not o.question.answerable),
        "latency_ms_p50": round(percentile([o.latency_ms for o in outcomes], 50), 1),
        "latency_ms_p95": round(percentile([o.latency_ms for o in outcomes], 95), 1),
    }


def preceded_by_other_articles(dataset: SquadDataset, questions: list[SquadQuestion]) -> dict[str, list[str]]:
    """For each question, a one-turn history: a question about the next article (in file
    order, the same position among its questions), so a follow-up cue must not drag it there."""
    by_doc: dict[str, list[SquadQuestion]] = {}
    for q in dataset.questions:
        by_doc.setdefault(q.doc, []).append(q)
    docs = [a.doc for a in dataset.articles]
    history = {}
    for i, q in enumerate(questions):
        other = by_doc[docs[(docs.index(q.doc) + 1) % len(docs)]]
        history[q.id] = [other[i % len(other)].question]
    return history


def dragged_back(outcomes: list[SquadOutcome]) -> float:
    """The share of questions searched with the previous turn's words added."""
    return round(sum(o.answer.retrieval_query != o.question.question for o in outcomes) / len(outcomes), 4) \
        if outcomes else 0.0


def declined_share(outcomes: list[SquadOutcome]) -> float:
    """Out-of-corpus questions: the share declined (all should be)."""
    return round(sum(o.answer.abstained for o in outcomes) / len(outcomes), 4) if outcomes else 0.0
