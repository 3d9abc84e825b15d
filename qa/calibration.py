"""Fit the sentence-scoring weights and the abstention threshold on labelled questions.

Weights: a grid search maximising how often the top-scored sentence is evidence for an
answerable question. Threshold: the cut on the best sentence's score that maximises
correct outcomes (answerable answered correctly, unanswerable abstained)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from index.progress import progress_bar

from .assistant import PASSAGES_READ, Assistant
from .datasets import DatasetError, LabelledQuestion
from .labelled_eval import evidence_span, holds_answer
from .scoring import FEATURES, AnswerSettings

WEIGHT_GRID = {
    "dense": (1.0,),  # the scale is fixed by one weight
    "lexical": (0.0, 0.25, 0.5, 0.75, 1.0, 1.5),
    "passage_lexical": (0.0, 0.25, 0.5, 1.0),
    "passage_rank": (0.0, 0.1, 0.25, 0.5),
    "answer_type": (0.0, 0.05, 0.1, 0.2, 0.4),
}
TYPE_WEIGHTS = (0.0, 0.05, 0.1, 0.15, 0.2, 0.3)


@dataclass
class Sample:
    question: LabelledQuestion
    features: np.ndarray  # candidates × FEATURES
    good: np.ndarray  # candidate is evidence (overlaps it or holds an accepted answer)


def collect(assistant: Assistant, questions: list[LabelledQuestion], mode: str = "hybrid",
            k: int = PASSAGES_READ, progress: bool = False) -> list[Sample]:
    answerer = assistant.answerer
    samples = []
    for q in progress_bar(questions, "collecting", progress, unit="question"):
        evidence = answerer.evidence(q.question, q.history, mode, k)
        span = evidence_span(assistant, q)
        good = np.array([
            (span is not None and c.hit.doc == q.doc and c.start < span[1] and span[0] < c.end)
            or holds_answer(c.text, q.answers)
            for c in evidence.candidates], dtype=bool)
        samples.append(Sample(q, evidence.features, good))
    return samples


def fit_weights(samples: list[Sample]) -> tuple[dict[str, float], float]:
    """The grid point with the most answerable questions whose best sentence is evidence
    (ties: the smallest weights, i.e. the simplest model)."""
    answerable = [s for s in samples if s.question.answerable and len(s.good)]
    best = None
    for values in itertools.product(*(WEIGHT_GRID[name] for name in FEATURES)):
        w = np.array(values, dtype=np.float32)
        hits = sum(bool(s.good[int(np.argmax(s.features @ w))]) for s in answerable)
        key = (hits, -sum(values))
        if best is None or key > best[0]:
            best = (key, dict(zip(FEATURES, values)))
    (hits, _), weights = best
    return weights, hits / max(1, len(answerable))


def fit_threshold(samples: list[Sample], weights: dict[str, float]) -> tuple[float, float, dict]:
    """The answer-type weight and threshold with the most correct outcomes (the threshold
    centred in the best interval)."""
    w = np.array([weights[name] for name in FEATURES], dtype=np.float32)
    type_axis = np.eye(len(FEATURES), dtype=np.float32)[FEATURES.index("answer_type")]
    best = None
    for type_weight in TYPE_WEIGHTS:
        points = [_point(s, w, w + type_weight * type_axis) for s in samples]
        count, threshold = _best_cut(points)
        if best is None or count > best[0]:
            best = (count, type_weight, threshold, points)
    _, type_weight, threshold, points = best
    return threshold, type_weight, abstention_stats(points, threshold)


def _point(sample: Sample, select: np.ndarray, confide: np.ndarray) -> tuple[float, bool, bool]:
    """(confidence, answerable, the chosen sentence is evidence)."""
    if not len(sample.good):
        return 0.0, sample.question.answerable, False
    top = int(np.argmax(sample.features @ select))
    return float((sample.features @ confide).max()), sample.question.answerable, bool(sample.good[top])


def _best_cut(points) -> tuple[int, float]:
    """The most correct outcomes over all cuts, and the middle of the widest run of
    adjacent cuts that reach it (cuts that tie but are not adjacent do not merge)."""
    confidences = sorted({p[0] for p in points})
    cuts = [confidences[0] - 1e-3] + [(a + b) / 2 for a, b in zip(confidences, confidences[1:])] \
        + [confidences[-1] + 1e-3]

    def correct(t: float) -> int:
        return sum((c >= t and good) if answerable else c < t for c, answerable, good in points)

    counts = [correct(t) for t in cuts]
    top = max(counts)
    runs: list[tuple[int, int]] = []  # (first, last) indices of adjacent best cuts
    for i, count in enumerate(counts):
        if count == top:
            runs.append((runs[-1][0], i) if runs and runs[-1][1] == i - 1 else (i, i))
    first, last = max(runs, key=lambda run: cuts[run[1]] - cuts[run[0]])
    return top, (cuts[first] + cuts[last]) / 2


def abstention_stats(points, threshold: float) -> dict:
    abstained = [p for p in points if p[0] < threshold]
    unanswerable = [p for p in points if not p[1]]
    answered = [p for p in points if p[0] >= threshold]
    answerable = [p for p in points if p[1]]
    ratio = lambda part, whole: round(len(part) / len(whole), 4) if whole else None  # noqa: E731
    return {
        "abstention_precision": ratio([p for p in abstained if not p[1]], abstained),
        "abstention_recall": ratio([p for p in unanswerable if p[0] < threshold], unanswerable),
        "answered_precision": ratio([p for p in answered if p[1]], answered),
        "answered_recall": ratio([p for p in answerable if p[0] >= threshold], answerable),
    }


def calibrate(assistant: Assistant, questions: list[LabelledQuestion], split: str = "tune",
              progress: bool = False) -> AnswerSettings:
    chosen = [q for q in questions if q.split == split]
    if not chosen:
        found = ", ".join(sorted({q.split for q in questions}))
        raise DatasetError(f"no questions of split {split!r} to fit on (splits here: {found})")
    samples = collect(assistant, chosen, progress=progress)
    weights, top1 = fit_weights(samples)
    threshold, type_weight, stats = fit_threshold(samples, weights)
    settings = AnswerSettings.load(dense=assistant.retriever.has_dense)
    settings.weights, settings.threshold, settings.type_weight = weights, round(threshold, 4), type_weight
    settings.calibration = {"questions": len(chosen), "split": split, "dense": assistant.retriever.has_dense,
                            "best_sentence_is_evidence": round(top1, 4), **stats}
    return settings
