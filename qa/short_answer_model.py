"""The fitted short-answer model: ranking trees over a sentence's candidate spans
(``short_answers.span_candidates``), the threshold above which the best one is shown, and what
it measured when fitted. Saved as JSON (``qa/data``): no pickle, no LightGBM to answer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.embedding import TokenVectors

from .short_answers import DENSE_FEATURES, FEATURES, SpanCandidates, span_candidates, withheld
from .tree_ensemble import TreeEnsemble

SHORT_ANSWER_MODEL = Path(__file__).parent / "data" / "short_answers.json"
SHORT_ANSWER_MODEL_LEXICAL = Path(__file__).parent / "data" / "short_answers_lexical.json"  # no dense retrieval


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
        return self.best_of(span_candidates(question, sentence, vectors if self.reads_vectors else None), sentence)

    def best_of(self, candidates: SpanCandidates, sentence: str) -> BestSpan | None:
        """The best of ``sentence``'s candidate spans."""
        if not candidates.spans:
            return None
        scores = self.trees.scores(candidates.features)
        k = int(scores.argmax())
        shares = np.exp(scores - scores[k])
        span = candidates.spans[k]
        return BestSpan(float(scores[k]), span, float(1.0 / shares.sum()), withheld(candidates.asks_who, sentence, span))

    def shown(self, best: BestSpan | None) -> bool:
        """Whether ``best`` is shown as a short answer: it scores high enough and is not
        ``withheld`` (a negation before it, an amount for "who")."""
        return best is not None and best.score >= self.threshold and not best.withheld


@dataclass(frozen=True)
class BestSpan:
    """A sentence's best-scored candidate span."""

    score: float  # the ranking trees' score
    span: tuple[int, int]  # [start, end) in the sentence
    share: float  # its share of the softmax over the sentence's candidates: how clearly it wins
    withheld: bool = False  # never shown (``short_answers.withheld``: "not eligible", "who" → "three days")
