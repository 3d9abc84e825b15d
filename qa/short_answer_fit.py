"""Fitting the short-answer model on SQuAD: every answerable question of the "fit" articles with
the sentence holding its gold answer; each candidate span of that sentence is a positive when
it equals a gold answer after SQuAD's normalisation. Measured on the "report" articles, which
are never fitted on. Given an embedder, the spans are also described by the word vectors of
the question and the sentence (``span_vectors``): the model used with dense retrieval."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from index.sentences import sentence_spans

from .answer_eval import FIT, REPORT, article_split, token_f1
from .datasets import DatasetError
from .labelled_eval import normalise_answer
from .short_answers import DENSE_FEATURES, FEATURES, ShortAnswerModel, question_class, span_candidates
from .span_syntax import parse
from .squad import SquadDataset, SquadQuestion

# A short answer is shown when the spans scored like it averaged at least this token F1 on the
# fit articles: below, a wrong short answer above the cited sentence would be as likely as not.
SHOWN_ANSWER_F1 = 0.5
NO_SPAN = -1.0  # the "probability" of a question whose sentence has no candidate span
# scikit-learn's C (inverse strength), chosen with each fit article left out in turn (token F1,
# best span always shown: C 0.1 0.511, 0.25 0.526, 0.5 0.527, 1 0.521, 2 0.520, 10 0.517);
# the report half never chose it.
REGULARISATION = 0.5


def gold_sentences(dataset: SquadDataset) -> dict[str, list[tuple[SquadQuestion, str]]]:
    """Per split, each answerable question with the sentence its first gold answer starts in."""
    split = article_split(dataset)
    sentences = {a.doc: list(sentence_spans(a.text)) for a in dataset.articles}
    texts = {a.doc: a.text for a in dataset.articles}
    titles = {a.doc: a.title for a in dataset.articles}
    result: dict[str, list] = {FIT: [], REPORT: []}
    for q in dataset.questions:
        if not q.answerable:
            continue
        start = q.spans[0][0]
        found = next(((a, b) for a, b in sentences[q.doc] if a <= start < b), None)
        if found:
            result[split[titles[q.doc]]].append((q, texts[q.doc][found[0]:found[1]]))
    return result


Vectors = Callable[[str, str], tuple | None]  # (question, sentence) -> their TokenVectors, or None


def fit_short_answers(dataset: SquadDataset, embedder=None) -> ShortAnswerModel:
    """The model for dense retrieval given ``embedder`` (an ``index.embedding.Embedder``), else
    the one for BM25 fallback."""
    halves = gold_sentences(dataset)
    texts = list(dict.fromkeys(text for half in halves.values() for question, sentence in half
                               for text in (question.question, sentence)))
    tokens = dict(zip(texts, embedder.encode_with_tokens(texts)[1], strict=True)) if embedder is not None else {}

    def vectors(question: str, sentence: str) -> tuple | None:
        return (tokens[question], tokens[sentence]) if tokens else None

    with parse.held(texts):
        return _fit(halves, str(dataset.path), vectors, DENSE_FEATURES if embedder is not None else FEATURES)


def _fit(halves: dict[str, list[tuple[SquadQuestion, str]]], source: str, vectors: Vectors,
         names: tuple[str, ...]) -> ShortAnswerModel:
    from sklearn.linear_model import LogisticRegression

    rows, labels = [], []
    for question, sentence in halves[FIT]:
        candidates = span_candidates(question.question, sentence, vectors(question.question, sentence))
        gold = {normalise_answer(a) for a in question.answers}
        rows.append(candidates.features)
        labels += [normalise_answer(sentence[a:b]) in gold for a, b in candidates.spans]
    if not any(labels) or all(labels):
        raise DatasetError(f"{source}: its fit articles hold no answerable question whose gold answer "
                           "is a candidate span; nothing to fit a short-answer model on")
    regression = LogisticRegression(C=REGULARISATION, max_iter=5000).fit(np.vstack(rows), np.array(labels))
    model = ShortAnswerModel({name: round(float(w), 6) for name, w in zip(names, regression.coef_[0], strict=True)},
                             round(float(regression.intercept_[0]), 6), threshold=0.0)
    best = {FIT: _best_spans(model, halves[FIT], vectors), REPORT: _best_spans(model, halves[REPORT], vectors)}
    model.threshold = _threshold(best[FIT])
    model.fitted = {"positives": int(sum(labels)), "candidates": len(labels), "shown_answer_f1": SHOWN_ANSWER_F1,
                    **{half: _measure(best[half], model.threshold) for half in (FIT, REPORT)}}
    return model


def _best_spans(model: ShortAnswerModel, items: list[tuple[SquadQuestion, str]],
                vectors: Vectors) -> list[tuple[str, float, float, float]]:
    """Per question: its class, the best span's probability (NO_SPAN without one: never shown),
    exact match and token F1 (0 with no span)."""
    result = []
    for question, sentence in items:
        kind = question_class(question.question)
        best = model.best(question.question, sentence, vectors(question.question, sentence))
        if best is None:
            result.append((kind, NO_SPAN, 0.0, 0.0))
            continue
        text = sentence[slice(*best[1])]
        result.append((kind, best[0], max(float(normalise_answer(text) == normalise_answer(g)) for g in question.answers),
                       max(token_f1(text, g) for g in question.answers)))
    return result


def _threshold(best: list[tuple[str, float, float, float]]) -> float:
    """The lowest probability above which the shown spans average ``SHOWN_ANSWER_F1``."""
    ordered = sorted(best, key=lambda row: -row[1])
    f1_sums = np.cumsum([row[3] for row in ordered])
    means = f1_sums / np.arange(1, len(ordered) + 1)
    passing = [k for k in range(len(ordered)) if means[k] >= SHOWN_ANSWER_F1 and ordered[k][1] != NO_SPAN]
    return ordered[passing[-1]][1] if passing else 1.0  # unrounded: rounding down would show one more


def _measure(best: list[tuple[str, float, float, float]], threshold: float) -> dict:
    shown = [row for row in best if row[1] >= threshold]
    by_class: dict[str, list[float]] = defaultdict(list)
    for kind, probability, _, f1 in best:
        by_class[kind].append(f1 if probability >= threshold else 0.0)
    return {"questions": len(best), "shown": round(len(shown) / len(best), 4),
            "exact": round(sum(row[2] for row in shown) / len(best), 4),
            "f1": round(sum(row[3] for row in shown) / len(best), 4),
            "f1_of_shown": round(sum(row[3] for row in shown) / len(shown), 4) if shown else None,
            "f1_if_always_shown": round(sum(row[3] for row in best) / len(best), 4),
            "f1_by_question_class": {k: [len(v), round(sum(v) / len(v), 4)] for k, v in sorted(by_class.items())}}
