"""The fitted short-answer model: ranking trees over a sentence's candidate spans
(``answer.spans.features.span_candidates``), the threshold above which the best one is shown, what it
measured when fitted, and which of the best spans is shown (``consensus``; the rules of
``answer.spans.rules`` pass over or withhold some). Saved as JSON (``qa/data``): no
pickle, no LightGBM to answer."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.token_vectors import TokenVectors
from index.sentences import unwrapped
from index.text import masked_markup

from qa.answer.spans.features import DENSE_FEATURES, FEATURES, SpanCandidates, span_candidates
from qa.answer.spans.rules import paired_amount, passed_over, what_span_must_say, withheld
from qa.answer.spans.trees import TreeEnsemble

SHORT_ANSWER_MODEL = Path(__file__).resolve().parents[2] / "data" / "short_answers.json"
SHORT_ANSWER_MODEL_LEXICAL = Path(__file__).resolve().parents[2] / "data" / "short_answers_lexical.json"  # no dense retrieval
# The span shown is the consensus of the sentence's 5 best-scored (``consensus``), not the best
# alone. Chosen on the SQuAD fit articles, each left out in turn (`python -m bench.short_answer_spans`,
# gold sentence given): token F1 0.5905 -> 0.6009 with the 5 best at the trees' own scale
# (higher on each of the 5 articles; 3 best 0.596, 10 or 20 0.600, scores halved 0.586, doubled 0.593).
CONSENSUS_SPANS = 5
_WORD = re.compile(r"\w+")


@dataclass
class ShortAnswerModel:
    features: tuple[str, ...]  # the columns its trees read: FEATURES, or DENSE_FEATURES with word vectors
    trees: TreeEnsemble  # ranks a sentence's candidate spans (LightGBM's lambdarank)
    threshold: float  # lowest score shown as a short answer
    fitted: dict = field(default_factory=dict)  # what it was fitted on and how it measured

    @classmethod
    def load(cls, path: Path | None = None, dense: bool = True) -> ShortAnswerModel:
        """The fitted model: with the word-vector features, or (``dense=False``) without them."""
        path = path or (SHORT_ANSWER_MODEL if dense else SHORT_ANSWER_MODEL_LEXICAL)
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("features") not in (list(FEATURES), list(DENSE_FEATURES)) or "trees" not in data:
            raise ValueError(f"{path} was fitted for other span features: run `corpusqa calibrate-short-answers`")
        trees = TreeEnsemble.from_json(data["trees"], columns=len(data["features"]))
        return cls(tuple(data["features"]), trees, float(data["threshold"]), data.get("fitted", {}))

    @property
    def reads_vectors(self) -> bool:
        return self.features == DENSE_FEATURES

    def as_json(self) -> dict:
        return {"features": list(self.features), "threshold": self.threshold, "fitted": self.fitted,
                "trees": self.trees.as_json()}

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.as_json()) + "\n", encoding="utf-8")

    def best(self, question: str, sentence: str,
             vectors: tuple[TokenVectors, TokenVectors] | None = None) -> BestSpan | None:
        """The best-scored span of ``sentence`` (None: no candidate); ``vectors``: the
        question's and the sentence's, which a model that reads them needs. Shown only if
        ``shown(best)``."""
        if self.reads_vectors and vectors is None:
            raise ValueError("this short-answer model reads word vectors: give the question's and the sentence's")
        if "```" in sentence or "~~~" in sentence:
            return None  # code is shown whole, never cut to a few words
        sentence = unwrapped(masked_markup(sentence))
        candidates = span_candidates(question, sentence, vectors if self.reads_vectors else None)
        return self.best_of(candidates, question, sentence)

    def best_of(self, candidates: SpanCandidates, question: str, sentence: str) -> BestSpan | None:
        """The best of ``sentence``'s candidate spans for ``question`` but those saying only
        what it says or owning what it asks for ("South Korea" of "South Korea's largest trading
        partner", ``passed_over``); for a question asking
        when, the best of those holding something of time, for one asking how many or how
        much, of those holding an amount, if any does; of a sentence pairing amounts with
        names, those holding the one the question's name tells (``paired_amount``)."""
        if not candidates.spans:
            return None
        scores = self.trees.scores(candidates.features)
        allowed = ~np.array(passed_over(question, sentence, candidates.spans))
        says = what_span_must_say(question)
        for fits in ([says(sentence[a:b]) for a, b in candidates.spans] if says else None,
                     paired_amount(question, sentence, candidates.spans)):
            narrowed = allowed & np.array(fits, dtype=bool) if fits is not None else allowed
            allowed = narrowed if narrowed.any() else allowed
        if not allowed.any():  # every span says only what the question says
            k = int(scores.argmax())
            return BestSpan(float(scores[k]), candidates.spans[k], 1.0, withheld=True)
        scores = np.where(allowed, scores, -np.inf)
        k = int(scores.argmax())
        shares = np.exp(scores - scores[k])
        span = candidates.spans[consensus(scores, candidates.spans, sentence)]
        return BestSpan(float(scores[k]), span, float(1.0 / shares.sum()), withheld(question, sentence, span))

    def shown(self, best: BestSpan | None) -> bool:
        """Whether ``best`` is shown as a short answer: it scores high enough and is not
        ``withheld`` (a negation before it, an amount for "who")."""
        return best is not None and best.score >= self.threshold and not best.withheld


@dataclass(frozen=True)
class BestSpan:
    """A sentence's best candidate span (``consensus``) and how strongly the sentence holds one."""

    score: float  # the ranking trees' best score among the sentence's spans
    span: tuple[int, int]  # [start, end) in the sentence
    share: float  # the best-scored span's share of the softmax over the sentence's spans: how clearly it wins
    withheld: bool = False  # never shown (``withheld``: "not eligible", "who" → "three days")


def consensus(scores: np.ndarray, spans: list[tuple[int, int]], sentence: str) -> int:
    """Which span to show: of the ``CONSENSUS_SPANS`` best-scored, the one with the highest
    token F1 expected against them, each weighted by its softmax share (minimum Bayes risk
    decoding): where "Ming court" and "Ming" score close, the words most of the likely spans
    agree on. A span ruled out (score -inf) is never shown."""
    top = np.argsort(-scores, kind="stable")[:CONSENSUS_SPANS]
    top = top[np.isfinite(scores[top])]
    weights = np.exp(scores[top] - scores[top[0]])
    words = np.array([_words(sentence, *spans[k]) for k in top], dtype=np.float64)
    common = np.array([[_words(sentence, max(spans[i][0], spans[j][0]), min(spans[i][1], spans[j][1]))
                        for j in top] for i in top], dtype=np.float64)
    expected_f1 = (2 * common / np.maximum(words[:, None] + words[None, :], 1)) @ weights
    return int(top[int(expected_f1.argmax())])


def _words(sentence: str, start: int, end: int) -> int:
    return len(_WORD.findall(sentence, start, end)) if start < end else 0
