"""Measuring a reader on held-out SQuAD articles (imports no torch): for each question a set of
candidate sentences, scored by any ``score(question, sentences, contexts) -> (probabilities,
spans)``; shared by ``bench/reader_selection.py`` (the shipped ONNX reader) and the end of
``qa.fit.reader.train`` (the torch model just trained).

Candidate sets (``cases``):
- ``paragraph``: every sentence of the question's paragraph, then the best BM25 sentences of
  the article's other paragraphs until there are ``k`` (8);
- ``bm25``: the article's ``k`` best BM25 sentences (the gold one may be missing);
- ``removed``: ``paragraph`` without the gold sentence(s) (the sentence after them read with
  the context it then has) and with no candidate holding a gold answer's text: a question whose
  answer is not in what was retrieved.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from qa.evaluate.answers import token_f1
from qa.fit.reader.training_data import (Article, Question, Sentence, SentenceBM25, _holds_text, gold_sentences,
                            near_misses, normalise_answer)

Scorer = Callable[[str, list[str], list[str]], tuple[np.ndarray, list[tuple[int, int]]]]


@dataclass
class Case:
    question: Question
    candidates: list[Sentence]
    contexts: list[str]
    gold: list[bool]  # the candidate wholly holds a gold span
    bm25: list[float]


def cases(articles: list[Article], mode: str = "paragraph", k: int = 8) -> list[Case]:
    built = []
    for article in articles:
        index = SentenceBM25(article.all_sentences())
        for q in article.questions:
            sentences = article.sentences[q.paragraph]
            holding, _ = gold_sentences(article, q) if not q.impossible else ([], set())
            if not q.impossible and not holding:
                continue
            gold_starts = {s.start for s, _ in holding}
            if mode == "bm25":
                chosen = [index.sentences[i] for i in index.ranked(q.text)[:k]]
                contexts = [s.context for s in chosen]
            elif mode in ("paragraph", "removed"):
                chosen, contexts = list(sentences), [s.context for s in sentences]
                if mode == "removed":
                    if q.impossible:
                        continue
                    kept = [(i, s) for i, s in enumerate(sentences)
                            if s.start not in gold_starts and not _holds_text(s.text, q.answers)]
                    chosen, contexts = [], []
                    for i, s in kept:
                        previous = i - 1
                        while previous >= 0 and sentences[previous].start in gold_starts:
                            previous -= 1
                        chosen.append(s)
                        contexts.append(sentences[previous].text if previous >= 0 else "")
                extra = near_misses(article, index, q, max(0, k - len(chosen)), exclude_answers=mode == "removed")
                chosen += extra
                contexts += [s.context for s in extra]
            else:
                raise ValueError(f"unknown candidate mode {mode}")
            if not chosen:
                continue
            scores = index.scores(q.text)
            position = {(s.paragraph, s.start): i for i, s in enumerate(index.sentences)}
            built.append(Case(q, chosen, contexts,
                              [s.paragraph == q.paragraph and s.start in gold_starts for s in chosen],
                              [scores[position[(s.paragraph, s.start)]] for s in chosen]))
    return built


def exact(prediction: str, gold: str) -> float:
    return float(normalise_answer(prediction) == normalise_answer(gold))


@dataclass
class Scored:
    case: Case
    probabilities: np.ndarray
    spans: list[tuple[int, int]]
    seconds: float

    @property
    def top(self) -> int:
        return int(np.argmax(self.probabilities))

    @property
    def best(self) -> float:
        return float(np.max(self.probabilities))

    def span_text(self, i: int) -> str:
        a, b = self.spans[i]
        return self.case.candidates[i].text[a:b]


def score_cases(score: Scorer, built: list[Case], progress: bool = False) -> list[Scored]:
    out = []
    iterator = built
    if progress:
        from tqdm import tqdm
        iterator = tqdm(built, unit="question", mininterval=2)
    for case in iterator:
        started = time.perf_counter()
        probabilities, spans = score(case.question.text, [s.text for s in case.candidates], case.contexts)
        out.append(Scored(case, np.asarray(probabilities, dtype=np.float64), list(spans), time.perf_counter() - started))
    return out


def answerable_figures(scored: list[Scored]) -> dict:
    """Selection and short-answer figures over answerable questions."""
    rows = [s for s in scored if not s.case.question.impossible]
    if not rows:
        return {}
    top_gold = [s.case.gold[s.top] for s in rows]
    top_text = [_holds_text(s.case.candidates[s.top].text, s.case.question.answers) for s in rows]
    bm25_gold = [s.case.gold[int(np.argmax(s.case.bm25))] for s in rows]
    in_candidates = [any(s.case.gold) for s in rows]
    f1, em, f1_given, em_given = [], [], [], []
    for s in rows:
        answers = s.case.question.answers
        predicted = s.span_text(s.top)
        f1.append(max(token_f1(predicted, g) for g in answers))
        em.append(max(exact(predicted, g) for g in answers))
        gold = [i for i, g in enumerate(s.case.gold) if g]
        if gold:
            i = max(gold, key=lambda i: s.probabilities[i])
            f1_given.append(max(token_f1(s.span_text(i), g) for g in answers))
            em_given.append(max(exact(s.span_text(i), g) for g in answers))
    return {"questions": len(rows), "gold_in_candidates": float(np.mean(in_candidates)),
            "top1_gold_sentence": float(np.mean(top_gold)), "top1_holds_answer_text": float(np.mean(top_text)),
            "bm25_top1_gold_sentence": float(np.mean(bm25_gold)),
            "span_f1": float(np.mean(f1)), "span_em": float(np.mean(em)),
            "span_f1_gold_sentence": float(np.mean(f1_given)) if f1_given else None,
            "span_em_gold_sentence": float(np.mean(em_given)) if em_given else None,
            "mean_candidates": float(np.mean([len(s.case.candidates) for s in rows]))}


def threshold_at(scored: list[Scored], keep: float = 0.95) -> float:
    """The best-probability threshold above which ``keep`` of the answerable questions stay."""
    best = np.array([s.best for s in scored if not s.case.question.impossible])
    return float(np.quantile(best, 1 - keep))


def share_below(scored: list[Scored], threshold: float) -> float | None:
    best = [s.best for s in scored]
    return float(np.mean([b < threshold for b in best])) if best else None


def latency_ms(scored: list[Scored]) -> float:
    return 1000 * float(np.median([s.seconds for s in scored]))
