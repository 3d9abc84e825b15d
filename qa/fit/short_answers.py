"""Fitting the short-answer model on SQuAD: every answerable question of the "fit" articles with
the sentence holding its gold answer; each candidate span of that sentence is a positive when
it equals a gold answer after SQuAD's normalisation, and LightGBM's lambdarank learns to rank
a sentence's spans (the positives first) from their features. Measured on the "report" articles, which
are never fitted on. Given an embedder, the spans are also described by the word vectors of
the question and the sentence (``answer.spans.vectors``): the model used with dense retrieval."""

from __future__ import annotations

import math
from collections import defaultdict

import numpy as np

from index.sentences import sentence_spans

from qa.evaluate.answers import FIT, REPORT, article_split, token_f1
from qa.evaluate.datasets import DatasetError
from qa.extras import optional_import
from qa.evaluate.labelled import normalise_answer
from qa.answer.spans.model import ShortAnswerModel
from qa.answer.spans.features import DENSE_FEATURES, FEATURES, SpanCandidates, question_class, span_candidates
from qa.answer.spans.syntax import parse
from qa.evaluate.squad import SquadDataset, SquadQuestion
from qa.answer.spans.trees import TreeEnsemble

# A short answer is shown when the spans scored like it averaged at least this token F1 on the
# fit articles: below, a wrong short answer above the cited sentence would be as likely as not.
SHOWN_ANSWER_F1 = 0.5
NO_SPAN = -math.inf  # the score of a question whose sentence has no candidate span
# LightGBM's lambdarank over each sentence's spans, chosen with each fit article left out in
# turn (token F1 of the best span, word vectors in): logistic regression 0.559 (the model
# before), scikit-learn's gradient-boosted trees, pointwise, 0.571 / 0.575 (15 / 7 leaves),
# LightGBM binary 0.577, lambdarank 0.586 (1,000 rounds; 500: 0.580, 2,000: 0.585, 15 leaves:
# 0.583), listing only the top 5 in its gradient 0.589. A softmax over each sentence's spans
# (linear) 0.561, or aimed at token F1 instead of exact match 0.48-0.54. The report half never chose.
RANKER = {"objective": "lambdarank", "learning_rate": 0.05, "num_leaves": 7, "lambda_l2": 1.0,
          "min_data_in_leaf": 20, "lambdarank_truncation_level": 5,
          "num_threads": 2, "deterministic": True, "force_row_wise": True, "seed": 0, "verbose": -1}
ROUNDS = 1000


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


Described = dict[str, list[SpanCandidates]]  # per half, each question's candidate spans


def fp32_embedder():
    """The embedder whose word vectors the dense model is fitted on: the packaged model in fp32
    (sentence-transformers), so that a fit is the same on any CPU. The ONNX backend runs batches
    in bf16 where the CPU has it, and its rounding differs between CPUs: the same code fitted on
    an Intel Xeon with AMX and on an AMD EPYC read report-article F1 0.6041 and 0.5907."""
    from index.embedding import Embedder

    return Embedder(backend="torch")


def fit_short_answers(dataset: SquadDataset, embedder=None) -> ShortAnswerModel:
    """The model for dense retrieval given ``embedder`` (an ``index.embedding.Embedder``), else
    the one for BM25 fallback."""
    halves, described = describe(dataset, embedder)
    return _fit(halves, described, str(dataset.path), DENSE_FEATURES if embedder is not None else FEATURES)


def describe(dataset: SquadDataset, embedder=None) -> tuple[dict[str, list[tuple[SquadQuestion, str]]], Described]:
    """Each half's answerable questions with their gold sentences (``gold_sentences``), and the
    candidate spans of each, with the word-vector features given ``embedder``."""
    halves = gold_sentences(dataset)
    texts = list(dict.fromkeys(text for half in halves.values() for question, sentence in half
                               for text in (question.question, sentence)))
    tokens = dict(zip(texts, embedder.encode_with_tokens(texts)[1], strict=True)) if embedder is not None else {}
    with parse.held(texts):
        described = {half: [span_candidates(question.question, sentence,
                                            (tokens[question.question], tokens[sentence]) if tokens else None)
                            for question, sentence in items] for half, items in halves.items()}
    return halves, described


def _fit(halves: dict[str, list[tuple[SquadQuestion, str]]], described: Described, source: str,
         names: tuple[str, ...]) -> ShortAnswerModel:
    trees, positives, labelled = rank_trees(halves[FIT], described[FIT], source)
    model = ShortAnswerModel(names, trees, threshold=0.0)
    best = {half: best_spans(model, halves[half], described[half]) for half in (FIT, REPORT)}
    model.threshold = _threshold(best[FIT])
    model.fitted = {"positives": positives, "candidates": labelled, "shown_answer_f1": SHOWN_ANSWER_F1,
                    **{half: _measure(best[half], model.threshold) for half in (FIT, REPORT)}}
    return model


def rank_trees(items: list[tuple[SquadQuestion, str]], described: list[SpanCandidates],
               source: str) -> tuple[TreeEnsemble, int, int]:
    """LightGBM's lambdarank fitted on ``items`` (each question's candidate spans one ranking
    list, the spans equal to a gold answer its positives): the trees, the positives and the
    spans labelled."""
    lightgbm = optional_import("lightgbm", "fit", "`corpusqa calibrate-short-answers`")

    rows, labels, sizes = [], [], []
    for (question, sentence), candidates in zip(items, described, strict=True):
        gold = {normalise_answer(a) for a in question.answers}
        if candidates.spans:
            rows.append(candidates.features)
            sizes.append(len(candidates.spans))
            labels += [normalise_answer(sentence[a:b]) in gold for a, b in candidates.spans]
    if not any(labels) or all(labels):
        raise DatasetError(f"{source}: its fit articles hold no answerable question whose gold answer "
                           "is a candidate span; nothing to fit a short-answer model on")
    spans = lightgbm.Dataset(np.vstack(rows), label=np.array(labels, dtype=int), group=sizes)
    ranker = lightgbm.train(RANKER, spans, num_boost_round=ROUNDS)
    return TreeEnsemble.from_lightgbm(ranker.dump_model()), int(sum(labels)), len(labels)


def best_spans(model: ShortAnswerModel, items: list[tuple[SquadQuestion, str]],
                described: list[SpanCandidates]) -> list[tuple[str, float, float, float]]:
    """Per question: its class, the best span's score (NO_SPAN without one or when withheld: never shown),
    exact match and token F1 (0 with no span)."""
    result = []
    for (question, sentence), candidates in zip(items, described, strict=True):
        kind = question_class(question.question)
        best = model.best_of(candidates, question.question, sentence)
        if best is None or best.withheld:  # never shown
            result.append((kind, NO_SPAN, 0.0, 0.0))
            continue
        text = sentence[slice(*best.span)]
        result.append((kind, best.score, max(float(normalise_answer(text) == normalise_answer(g)) for g in question.answers),
                       max(token_f1(text, g) for g in question.answers)))
    return result


def _threshold(best: list[tuple[str, float, float, float]]) -> float:
    """The lowest score above which the shown spans average ``SHOWN_ANSWER_F1``."""
    ordered = sorted(best, key=lambda row: -row[1])
    f1_sums = np.cumsum([row[3] for row in ordered])
    means = f1_sums / np.arange(1, len(ordered) + 1)
    passing = [k for k in range(len(ordered)) if means[k] >= SHOWN_ANSWER_F1 and ordered[k][1] != NO_SPAN]
    return ordered[passing[-1]][1] if passing else math.inf  # unrounded: rounding down would show one more


def _measure(best: list[tuple[str, float, float, float]], threshold: float) -> dict:
    shown = [row for row in best if row[1] >= threshold]
    by_class: dict[str, list[float]] = defaultdict(list)
    for kind, score, _, f1 in best:
        by_class[kind].append(f1 if score >= threshold else 0.0)
    return {"questions": len(best), "shown": round(len(shown) / len(best), 4),
            "exact": round(sum(row[2] for row in shown) / len(best), 4),
            "f1": round(sum(row[3] for row in shown) / len(best), 4),
            "f1_of_shown": round(sum(row[3] for row in shown) / len(shown), 4) if shown else None,
            "f1_if_always_shown": round(sum(row[3] for row in best) / len(best), 4),
            "f1_by_question_class": {k: [len(v), round(sum(v) / len(v), 4)] for k, v in sorted(by_class.items())}}
