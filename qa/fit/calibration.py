"""Fit the answer model on labelled questions and, with ``squad``, the "fit" articles of a
SQuAD-format file (thousands of questions; the "report" articles are never seen here).

- Selection: pairwise logistic regression (scikit-learn) on the differences between an
  evidence sentence's features and those of other candidates of its question: random ones,
  then (with dense features) the best-scored ones by that first fit.
- Confidence: logistic regression (classes balanced) from CONFIDENCE_FEATURES to "the
  documents answer this": answerable questions against questions the index cannot answer —
  about a SQuAD article left out of the index, and the labelled unanswerable ones.
- Threshold: the lowest probability that declines ``DECLINE_TARGET`` of those; the answered
  share of answerable questions it keeps is reported beside it.
- Support gap: the widest gap to the best score that keeps at most ``MEAN_SENTENCES`` cited
  sentences per answer on average."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from index.progress import progress_bar

from qa.answer.features import CONFIDENCE_FEATURES, FEATURES, confidence_features
from qa.assistant import Assistant
from qa.query import PASSAGES_READ
from qa.evaluate.datasets import DatasetError, LabelledQuestion
from qa.extras import optional_import
from qa.evaluate.labelled import evidence_span, holds_answer
from qa.answer.scoring import AnswerSettings

DECLINE_TARGET = 0.95  # share of unanswerable fit questions the threshold declines
MEAN_SENTENCES = 2.0  # cited sentences per answer, on average over the fit questions
NEGATIVES_PER_EVIDENCE = 15  # other candidates paired with each evidence sentence in the first fit
# With dense features, a second fit against each evidence sentence's 5 best-scored rivals (fit
# articles, one left out in turn: evidence ranked first 0.722 with random rivals only, 0.736 with
# these; 2 or 3 rivals did worse, 8 about as well). Without dense features it chose the evidence
# a little more often (0.643 -> 0.651) but answered fewer fit questions at the same 95 % of
# unanswerable ones declined (0.832 -> 0.823), so the BM25 fallback's configuration keeps one fit.
HARD_NEGATIVES = 5
GAPS = (0.0, 0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0, 4.0, 6.0)


@dataclass
class Sample:
    question: str
    answerable: bool
    features: np.ndarray  # candidates × FEATURES
    good: np.ndarray  # candidate is evidence
    source: str  # "labelled", "squad", "squad-outside"


def collect(assistant: Assistant, asked: list[tuple[str, list[str], bool, object]], source: str,
            mode: str = "hybrid", k: int = PASSAGES_READ, progress: bool = False) -> list[Sample]:
    """``asked``: (question, history, answerable, is_evidence(candidate) -> bool)."""
    pipeline = assistant.pipeline
    samples = []
    for question, history, answerable, is_evidence in progress_bar(asked, f"collecting ({source})", progress,
                                                                   unit="question"):
        evidence = pipeline.evidence(question, history, mode, k)
        samples.append(Sample(question, answerable, evidence.features,
                              np.array([is_evidence(c) for c in evidence.candidates], dtype=bool), source))
    return samples


def labelled_items(assistant: Assistant, questions: list[LabelledQuestion]) -> list[tuple]:
    def judge(q: LabelledQuestion):
        span = evidence_span(assistant, q)
        return lambda c: ((span is not None and c.hit.doc == q.doc and c.start < span[1] and span[0] < c.end)
                          or holds_answer(c.text, q.answers))

    return [(q.question, q.history, q.answerable, judge(q)) for q in questions]


def squad_items(questions) -> list[tuple]:
    def judge(q):
        return lambda c: any(c.hit.doc == q.doc and c.start <= s and e <= c.end for s, e in q.spans)

    return [(q.question, [], q.answerable, judge(q)) for q in questions]


def fit_selection(samples: list[Sample], seed: int = 0, hard_negatives: int = 0) -> dict[str, float]:
    """Per-feature weights of the selection score (pairwise logistic regression) against
    random other candidates; with ``hard_negatives``, fitted again against each evidence
    sentence's that many best-scored rivals by the first fit, the ones it must beat."""
    rng = np.random.default_rng(seed)
    weights = _fit_pairs(samples, lambda s, bad: rng.choice(bad, min(NEGATIVES_PER_EVIDENCE, len(bad)), replace=False))
    if hard_negatives:
        first = weights
        weights = _fit_pairs(samples, lambda s, bad: bad[np.argsort(-(s.features[bad] @ first), kind="stable")][:hard_negatives])
    return {name: round(float(w), 5) for name, w in zip(FEATURES, weights)}


def _fit_pairs(samples: list[Sample], rivals) -> np.ndarray:
    """Weights from the feature differences of each evidence sentence and its ``rivals(sample,
    other candidates)``."""
    LogisticRegression = optional_import("sklearn.linear_model", "fit", "`corpusqa calibrate`").LogisticRegression

    differences = []
    for s in samples:
        good, bad = np.flatnonzero(s.good), np.flatnonzero(~s.good)
        if s.answerable and len(good) and len(bad):
            for i in good:
                differences.extend(s.features[i] - s.features[j] for j in rivals(s, bad))
    if not differences:
        raise DatasetError("no answerable question with both evidence and other sentences to fit on")
    pairs = np.array(differences)
    scale = np.abs(pairs).mean(axis=0) + 1e-6
    x = np.vstack([pairs, -pairs]) / scale
    y = np.r_[np.ones(len(pairs)), np.zeros(len(pairs))]
    model = LogisticRegression(C=1.0, fit_intercept=False, max_iter=5000).fit(x, y)
    return model.coef_[0] / scale


def confidence_rows(samples: list[Sample], settings: AnswerSettings) -> np.ndarray:
    return np.array([confidence_features(s.features, s.features @ settings.vector()) for s in samples],
                    dtype=np.float64)


def fit_confidence(samples: list[Sample], settings: AnswerSettings) -> tuple[dict[str, float], float]:
    """Weights and bias of the confidence (logistic regression, classes balanced)."""
    LogisticRegression = optional_import("sklearn.linear_model", "fit", "`corpusqa calibrate`").LogisticRegression

    rows, labels = confidence_rows(samples, settings), np.array([s.answerable for s in samples])
    if labels.all() or not labels.any():
        raise DatasetError("fitting the confidence needs answerable and unanswerable questions")
    scale = rows.std(axis=0) + 1e-6
    model = LogisticRegression(C=1.0, max_iter=5000, class_weight="balanced").fit(rows / scale, labels)
    weights = {name: round(float(w), 5) for name, w in zip(CONFIDENCE_FEATURES, model.coef_[0] / scale)}
    return weights, round(float(model.intercept_[0]), 5)


def probabilities(samples: list[Sample], settings: AnswerSettings) -> np.ndarray:
    logits = confidence_rows(samples, settings) @ settings.confidence_vector() + settings.confidence_bias
    return 1.0 / (1.0 + np.exp(-np.clip(logits, -60, 60)))


def fit_threshold(samples: list[Sample], settings: AnswerSettings) -> tuple[float, dict]:
    """The lowest threshold declining DECLINE_TARGET of the unanswerable questions, and what it does."""
    p = probabilities(samples, settings)
    answerable = np.array([s.answerable for s in samples])
    threshold = float(np.quantile(p[~answerable], DECLINE_TARGET, method="higher")) + 1e-6
    best_good = np.array([bool(len(s.good)) and bool(s.good[int(np.argmax(s.features @ settings.vector()))])
                          for s in samples])
    answered = p >= threshold

    def share(mask) -> float | None:
        return round(float(mask.mean()), 4) if mask.size else None

    return round(threshold, 6), {  # named as `corpusqa eval` names them
        "abstention_precision": share(~answerable[~answered]),
        "abstention_recall": share(~answered[~answerable]),
        "answered_precision": share(answerable[answered]),
        "answered_recall": share(answered[answerable]),
        "best_sentence_is_evidence": share(best_good[answerable]),
    }


def fit_gap(samples: list[Sample], settings: AnswerSettings) -> float:
    """The widest GAPS entry whose answers cite at most MEAN_SENTENCES sentences on average
    (counting candidates within the gap, up to ``max_sentences``)."""
    answerable = [s for s in samples if s.answerable and len(s.good)]
    chosen = GAPS[0]
    for gap in GAPS:
        counts = []
        for s in answerable:
            scores = s.features @ settings.vector()
            counts.append(min(settings.max_sentences, int((scores >= scores.max() - gap).sum())))
        if np.mean(counts) <= MEAN_SENTENCES:
            chosen = gap
    return chosen


def calibrate(assistant: Assistant, questions: list[LabelledQuestion], split: str = "tune",
              squad: Path | None = None, progress: bool = False) -> AnswerSettings:
    """Settings fitted on the ``split`` labelled questions (and, given ``squad``, on its fit
    articles), for the mode ``assistant`` serves (with or without dense retrieval)."""
    chosen = [q for q in questions if q.split == split]
    if not chosen:
        found = ", ".join(sorted({q.split for q in questions}))
        raise DatasetError(f"no questions of split {split!r} to fit on (splits here: {found})")
    dense = assistant.retriever.has_dense
    mode = "hybrid" if dense else "bm25"
    samples = collect(assistant, labelled_items(assistant, chosen), "labelled", mode, progress=progress)
    if squad is not None:
        samples += squad_samples(squad, mode, dense, progress)
    settings = AnswerSettings.load(dense=dense)
    settings.weights = fit_selection(samples, hard_negatives=HARD_NEGATIVES if dense else 0)
    settings.confidence_weights, settings.confidence_bias = fit_confidence(samples, settings)
    settings.threshold, stats = fit_threshold(samples, settings)
    settings.support_gap = fit_gap(samples, settings)
    counts = {source: sum(s.source == source for s in samples) for source in dict.fromkeys(s.source for s in samples)}
    settings.calibration = {"split": split, "dense": dense, "questions": counts, "decline_target": DECLINE_TARGET,
                            **({"squad": Path(squad).name, "squad_articles": "fit"} if squad else {}), **stats}
    return settings


def squad_samples(path: Path, mode: str, dense: bool, progress: bool) -> list[Sample]:
    """Samples from the fit articles of a SQuAD file: all of them indexed as one corpus, and
    the questions of the last fit article asked of an index without it."""
    from index.builder import build_index

    from qa.evaluate.answers import FIT, article_split
    from qa.evaluate.squad import load_squad, materialise_squad_corpus

    dataset = load_squad(path)
    halves = article_split(dataset)
    fit = [a for a in dataset.articles if halves[a.title] == FIT]
    corpus, index_dir = materialise_squad_corpus(dataset)
    build_index(corpus, index_dir, progress=progress)
    docs = {a.doc for a in fit}
    with Assistant.open(index_dir, dense=dense) as squad:
        samples = collect(squad, squad_items([q for q in dataset.questions if q.doc in docs and q.answerable]),
                          "squad", mode, progress=progress)
    left_out = fit[-1]
    subset = load_squad(path, [a.title for a in dataset.articles if a.title != left_out.title])
    corpus, index_dir = materialise_squad_corpus(subset)
    build_index(corpus, index_dir, progress=progress)
    outside = [q for q in dataset.questions if q.doc == left_out.doc]
    with Assistant.open(index_dir, dense=dense) as squad:
        for sample in collect(squad, squad_items(outside), "squad-outside", mode, progress=progress):
            sample.answerable, sample.good = False, np.zeros_like(sample.good)
            samples.append(sample)
    return samples
