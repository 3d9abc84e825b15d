"""Sentence evidence scores and answer confidence: a linear selection score over
``answer.features.FEATURES`` (fitted as pairwise logistic regression: the evidence sentence
against the others of its question) and a logistic confidence over ``CONFIDENCE_FEATURES``
with an abstention threshold, fitted on SQuAD articles and labelled questions (``corpusqa
calibrate``) and stored in ``qa/data/answer_config.json`` (``..._lexical.json`` without dense
retrieval)."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from qa.answer.features import (
    CONFIDENCE_FEATURES,
    FEATURES,
    best_matches,
    confidence_features,
    content_pieces,
    sentence_features,
)
from qa.answer.typed import expected_type
from qa.answer.candidates import Candidate
from qa.cache import VectorCache
from qa.search.retriever import Retriever

CONFIG_FILE = Path(__file__).resolve().parents[1] / "data" / "answer_config.json"
LEXICAL_CONFIG_FILE = Path(__file__).resolve().parents[1] / "data" / "answer_config_lexical.json"  # no dense retrieval
CONFIG_ENV = "CORPUSQA_ANSWER_CONFIG"  # a calibrated config of your own
LEXICAL_CONFIG_ENV = "CORPUSQA_ANSWER_CONFIG_LEXICAL"  # ... for when dense retrieval is unavailable


class AnswerConfigError(ValueError):
    """An answer configuration file that cannot be used; the message says why."""


@dataclass
class AnswerSettings:
    weights: dict[str, float] = field(default_factory=lambda: {"dense": 1.0, "lexical": 0.5, "answer_type": 0.1})
    confidence_weights: dict[str, float] = field(default_factory=lambda: {"best_score": 8.0})
    confidence_bias: float = -4.0
    threshold: float = 0.5  # abstain when the confidence (a probability) is below this
    max_sentences: int = 3
    support_gap: float = 0.1  # a further sentence scores at most this much below the best
    redundancy: float = 0.8  # ... and has a cosine below this to every chosen sentence
    calibration: dict = field(default_factory=dict)  # how the values were fitted, and on what

    @classmethod
    def load(cls, path: Path | None = None, dense: bool = True) -> AnswerSettings:
        """The fitted settings: those fitted with dense features, or (``dense=False``) those
        fitted without them, for BM25 fallback, where the dense features are always 0."""
        if path is None:
            env, default = (CONFIG_ENV, CONFIG_FILE) if dense else (LEXICAL_CONFIG_ENV, LEXICAL_CONFIG_FILE)
            path = Path(os.environ.get(env) or default)
        if not path.is_file():
            return cls()
        try:
            settings = cls(**json.loads(path.read_text(encoding="utf-8")))
        except (TypeError, ValueError) as error:
            raise AnswerConfigError(f"answer configuration {path} is unusable ({error}); it may be from an "
                                    "earlier version: run `corpusqa calibrate` again") from error
        unknown = (set(settings.weights) - set(FEATURES)) | (set(settings.confidence_weights) - set(CONFIDENCE_FEATURES))
        if unknown:
            raise AnswerConfigError(f"answer configuration {path} names unknown features {sorted(unknown)}: "
                                    "run `corpusqa calibrate` again")
        return settings

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    def vector(self) -> np.ndarray:
        return np.array([self.weights.get(name, 0.0) for name in FEATURES], dtype=np.float32)

    def confidence_vector(self) -> np.ndarray:
        return np.array([self.confidence_weights.get(name, 0.0) for name in CONFIDENCE_FEATURES], dtype=np.float32)


class SentenceScorer:
    """Scores candidate sentences as answers to a question: their features (word overlap,
    cosine to the question, the kind of answer asked for), a linear selection score, the
    confidence that any of them answers, and the choice of the cited few."""

    def __init__(self, retriever: Retriever, settings: AnswerSettings) -> None:
        self.retriever = retriever
        self.settings = settings
        # sentence vectors by text (2,048 sentences of ~30 word pieces hold about 100 MB)
        self.sentence_vectors = VectorCache(retriever.embedder, 2048)

    def features(self, query: str, question: str, candidates: list[Candidate]) -> np.ndarray:
        """One row of FEATURES per candidate (``query``: the retrieval query, which may
        carry a follow-up's context; ``question``: as asked)."""
        dense = matches = None
        if candidates and self.retriever.has_dense:
            entries = self.sentence_vectors.entries([c.reading for c in candidates])
            sentences = np.stack([vector for vector, _ in entries])
            dense = sentences @ self.retriever.query_vector(question)
            if query != question:  # a follow-up: its context counts as much as its words
                dense = (dense + sentences @ self.retriever.query_vector(query)) / 2
            pieces = content_pieces(self.retriever.query_tokens(question))
            matches = [best_matches(pieces, tokens) for _, tokens in entries]
        expects = expected_type(question) is not None
        typed = [c.typed_answer(question) if expects else None for c in candidates]
        return sentence_features(question, query, candidates, self.retriever.tokenizer,
                                 self.retriever.lexical.idf, typed, dense, matches)

    def forget_vectors(self) -> None:
        """Drop the cached sentence vectors (evaluation times each mode from cold)."""
        self.sentence_vectors.clear()

    def score(self, features: np.ndarray) -> np.ndarray:
        """Per candidate: how well it answers (chooses the sentences)."""
        return features @ self.settings.vector()

    def confidence(self, features: np.ndarray, scores: np.ndarray) -> float:
        """The probability that the documents answer the question with the best candidate."""
        logit = float(confidence_features(features, scores) @ self.settings.confidence_vector()) + self.settings.confidence_bias
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, logit))))

    def select(self, candidates: list[Candidate], scores: np.ndarray, first: int | None = None) -> list[Candidate]:
        """The best sentence (or ``first``), plus up to ``max_sentences - 1`` nearly as good
        as the best, non-redundant ones."""
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        best = scores[order[0]]
        chosen = [order[0] if first is None else first]
        vectors = self.sentence_vectors.vectors([c.reading for c in candidates]) if self.retriever.has_dense else None
        for i in order:
            if i in chosen:
                continue
            if len(chosen) == self.settings.max_sentences or scores[i] < best - self.settings.support_gap:
                break
            if any(_overlaps(candidates[i], candidates[j]) for j in chosen):
                continue
            if vectors is not None and max(float(vectors[i] @ vectors[j]) for j in chosen) >= self.settings.redundancy:
                continue
            chosen.append(i)
        return [candidates[i] for i in chosen]


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.hit.doc == b.hit.doc and a.start < b.end and b.start < a.end
