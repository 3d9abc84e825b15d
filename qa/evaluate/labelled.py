"""Evaluate answers on labelled questions: evidence retrieval, answer accuracy,
abstention, citation exactness, follow-ups and latency."""

from __future__ import annotations

import re
import string
import time
from dataclasses import dataclass

from index.progress import progress_bar

from qa.assistant import Assistant
from qa.query import PASSAGES_READ
from qa.evaluate.datasets import LabelledQuestion
from qa.evaluate.retrieval import percentile
from qa.evaluate.quote_bounds import cuts_sentence
from qa.records import Answer, Hit

_ARTICLES = re.compile(r"\b(?:a|an|the)\b")
_EM_DASH = re.compile("—")  # between words, unlike a hyphen or an en dash ("Korea–US")
_PUNCTUATION = str.maketrans("", "", string.punctuation + "‘’“”–—")


@dataclass
class Outcome:
    question: LabelledQuestion
    answer: Answer
    evidence_rank: int | None  # rank of the first passage overlapping the evidence
    correct: bool  # answerable: answered with an accepted string; unanswerable: abstained
    citations_exact: bool
    latency_ms: float
    first_text_ms: float | None = None  # generated answers: until the model's first words
    quotes_cut: int = 0  # quotes that start or end inside a sentence (``evaluate.quote_bounds``)


def evidence_span(assistant: Assistant, question: LabelledQuestion) -> tuple[int, int] | None:
    document = assistant.document(question.doc) if question.doc else None
    if document is None or not question.evidence:
        return None
    start = document.text.find(question.evidence)
    if start >= 0:
        return start, start + len(question.evidence)
    # a label copied from a wrapped paragraph writes its line breaks as spaces, and one copied
    # from a source in markup may hold backticks or stars the document as read has not
    words = [re.sub(r"[`*]+", "", word) for word in question.evidence.split()]
    pattern = r"\s+".join("[`*]*" + "[`*]*".join(map(re.escape, word)) + "[`*]*" for word in words if word)
    found = re.search(pattern, document.text) if pattern else None
    return found.span() if found else None


def holds_evidence(hit: Hit, doc: str | None, span: tuple[int, int] | None) -> bool:
    return span is not None and hit.doc == doc and hit.start < span[1] and span[0] < hit.end


def normalise_answer(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation or articles, single spaces."""
    return " ".join(_ARTICLES.sub(" ", text.casefold().translate(_PUNCTUATION)).split())


def holds_answer(text: str, accepted: list[str]) -> bool:
    """Some accepted answer occurs in ``text`` as whole words after normalisation
    ("SK" is not found in "risk"); an em dash parts the words beside it ("(1910-1945)—have")."""
    padded = f" {normalise_answer(_EM_DASH.sub(' ', text))} "
    return any(f" {a} " in padded for a in (normalise_answer(_EM_DASH.sub(" ", a)) for a in accepted) if a)


def answer_is_correct(assistant: Assistant, question: LabelledQuestion, answer: Answer) -> bool:
    """Answerable: answered, holding an accepted string, or (a label with no accepted
    strings) citing the evidence. Unanswerable: abstained."""
    if not question.answerable:
        return answer.abstained
    if answer.abstained:
        return False
    if question.answers:
        return holds_answer(answer.text, question.answers)
    span = evidence_span(assistant, question)
    return any(c.doc == question.doc and span is not None and c.start < span[1] and span[0] < c.end
               for c in answer.citations)


def citations_are_exact(assistant: Assistant, answer: Answer) -> bool:
    """Every quote is its document's text at its span, and every [n] has its citation."""
    numbers = {c.n for c in answer.citations}
    markers = {int(n) for n in re.findall(r"\[(\d+)\]", answer.text)}
    if markers != numbers:
        return False
    for citation in answer.citations:
        document = assistant.document(citation.doc)
        if document is None or document.text[citation.start:citation.end] != citation.quote:
            return False
    return True


def quotes_cut(assistant: Assistant, answer: Answer) -> int:
    """How many of the answer's quotes start or end inside a sentence of their document."""
    documents = {c.doc: assistant.document(c.doc) for c in answer.citations}
    return sum(1 for c in answer.citations
               if documents[c.doc] is not None and cuts_sentence(documents[c.doc].text, c.start, c.end))


def run_questions(assistant: Assistant, questions: list[LabelledQuestion], mode: str = "hybrid",
                  k: int = PASSAGES_READ, progress: bool = False, generate: bool = False) -> list[Outcome]:
    """Ask each question as `corpusqa ask` does (``generate``: as `ask --llm`, streamed)."""
    assistant.forget_cached()  # each mode timed from cold
    outcomes = []
    for q in progress_bar(questions, f"asking ({mode}{' + LLM' if generate else ''})", progress, unit="question"):
        started, first_text = time.perf_counter(), None
        if generate:
            for answer in assistant.ask_stream(q.question, q.history, mode=mode, k=k):
                if isinstance(answer, str) and first_text is None:
                    first_text = (time.perf_counter() - started) * 1000
        else:
            answer = assistant.ask(q.question, q.history, mode=mode, k=k)
        latency = (time.perf_counter() - started) * 1000
        span = evidence_span(assistant, q)
        rank = next((h.rank for h in answer.passages if holds_evidence(h, q.doc, span)), None)
        correct = answer_is_correct(assistant, q, answer)
        outcomes.append(Outcome(q, answer, rank, correct, citations_are_exact(assistant, answer), latency, first_text,
                                quotes_cut(assistant, answer)))
    return outcomes


def generation_figures(outcomes: list[Outcome]) -> dict:
    """For generated answers: the share of the model's sentences verification kept, how often
    the extractive answer was shown instead, and time to the first words."""
    asked = [o for o in outcomes if not o.answer.abstained]
    sentences = [s for o in asked for s in o.answer.checked]
    first = [o.first_text_ms for o in asked if o.first_text_ms is not None]
    return {
        "generated_sentences": len(sentences),
        "sentences_kept": round(sum(s["supported"] for s in sentences) / len(sentences), 4) if sentences else None,
        "fallback_rate": round(sum(o.answer.generated_by is None for o in asked) / len(asked), 4) if asked else None,
        "first_text_ms_p50": round(percentile(first, 50), 1) if first else None,
    }


def summarise(outcomes: list[Outcome], mode: str) -> dict:
    """The labelled-question metrics for one mode (the ``--json`` result row)."""
    answerable = [o for o in outcomes if o.question.answerable]
    unanswerable = [o for o in outcomes if not o.question.answerable]
    abstained = [o for o in outcomes if o.answer.abstained]
    answered = [o for o in outcomes if not o.answer.abstained]
    follow_ups = [o for o in outcomes if o.question.kind == "follow-up"]
    switches = [o for o in outcomes if o.question.kind == "topic-switch"]

    def share(items, condition) -> float | None:
        return round(sum(1 for o in items if condition(o)) / len(items), 4) if items else None

    return {
        "mode": mode,
        "questions": len(outcomes),
        "evidence_recall@5": share(answerable, lambda o: o.evidence_rank is not None and o.evidence_rank <= 5),
        "evidence_recall@k": share(answerable, lambda o: o.evidence_rank is not None),
        "evidence_mrr": round(sum(1 / o.evidence_rank for o in answerable if o.evidence_rank)
                              / len(answerable), 4) if answerable else None,
        "answer_accuracy": share(answerable, lambda o: o.correct),
        "abstention_precision": share(abstained, lambda o: not o.question.answerable),
        "abstention_recall": share(unanswerable, lambda o: o.answer.abstained),
        "answered_precision": share(answered, lambda o: o.question.answerable),
        "answered_recall": share(answerable, lambda o: not o.answer.abstained),
        "follow_up_accuracy": share(follow_ups, lambda o: o.correct),  # leans on the conversation
        "topic_switch_accuracy": share(switches, lambda o: o.correct),  # must not be dragged back
        "quotes": sum(len(o.answer.citations) for o in answered),
        "quotes_cut": sum(o.quotes_cut for o in answered),
        "citation_exactness": share(outcomes, lambda o: o.citations_exact),
        "latency_ms_p50": round(percentile([o.latency_ms for o in outcomes], 50), 1),
        "latency_ms_p95": round(percentile([o.latency_ms for o in outcomes], 95), 1),
    }
