"""Sentence evidence scores: a linear model over dense, lexical, passage and answer-type
features, with weights and the abstention threshold fitted on labelled questions
(``corpusqa calibrate``) and stored in ``qa/data/answer_config.json``."""

from __future__ import annotations

import json
import os
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from index.text import indexed_text

from .answer_types import expected_type, find_short_answer
from .records import Hit
from .retrieval import Retriever

CONFIG_FILE = Path(__file__).parent / "data" / "answer_config.json"
LEXICAL_CONFIG_FILE = Path(__file__).parent / "data" / "answer_config_lexical.json"  # no dense retrieval
CONFIG_ENV = "CORPUSQA_ANSWER_CONFIG"  # a calibrated config of your own
LEXICAL_CONFIG_ENV = "CORPUSQA_ANSWER_CONFIG_LEXICAL"  # ... for when dense retrieval is unavailable
FEATURES = ("dense", "lexical", "passage_lexical", "passage_rank", "answer_type")


@dataclass
class AnswerSettings:
    weights: dict[str, float] = field(default_factory=lambda: {
        "dense": 1.0, "lexical": 0.5, "passage_lexical": 0.25, "passage_rank": 0.1, "answer_type": 0.1})
    threshold: float = 0.5  # abstain when the confidence is below this
    type_weight: float = 0.0  # extra weight of answer_type in the confidence (not in selection)
    max_sentences: int = 3
    support_ratio: float = 0.85  # a further sentence needs this share of the best score
    redundancy: float = 0.8  # ... and a cosine below this to every chosen sentence
    calibration: dict = field(default_factory=dict)  # how the values were fitted, and on what

    @classmethod
    def load(cls, path: Path | None = None, dense: bool = True) -> AnswerSettings:
        """The fitted settings: those fitted with dense features, or (``dense=False``) those
        fitted without them, for BM25 fallback, where the dense feature is always 0."""
        if path is None:
            env, default = (CONFIG_ENV, CONFIG_FILE) if dense else (LEXICAL_CONFIG_ENV, LEXICAL_CONFIG_FILE)
            path = Path(os.environ.get(env) or default)
        return cls(**json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else cls()

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")

    def vector(self) -> np.ndarray:
        return np.array([self.weights.get(name, 0.0) for name in FEATURES], dtype=np.float32)

    def confidence_vector(self) -> np.ndarray:
        return self.vector() + self.type_weight * np.eye(len(FEATURES), dtype=np.float32)[FEATURES.index("answer_type")]


@dataclass
class Candidate:
    """A sentence of a retrieved passage, as an exact document span."""

    hit: Hit
    start: int
    end: int
    text: str
    line_start: int
    line_end: int

    def short_answer(self, question: str) -> str | None:
        """The typed short answer in this sentence (never from elsewhere, so its [n] is true)."""
        return find_short_answer(question, self.text)


class SentenceScorer:
    def __init__(self, retriever: Retriever, settings: AnswerSettings) -> None:
        self.retriever = retriever
        self.settings = settings
        self._vectors = _VectorCache(retriever)

    def features(self, query: str, question: str, candidates: list[Candidate]) -> np.ndarray:
        """One row of FEATURES per candidate. Sentence features compare with the question as
        asked; passage features with the retrieval query (which may carry follow-up context)."""
        if not candidates:
            return np.zeros((0, len(FEATURES)), dtype=np.float32)
        terms = _TermCache(self.retriever.tokenizer)
        question_coverage, passage_coverage = self._coverage(terms(question)), self._coverage(terms(query))
        expects = expected_type(question) is not None
        rows = []
        for c in candidates:
            sentence, passage = terms(c.text), terms(indexed_text(c.hit.title, c.hit.section, c.hit.text))
            found = expects and c.short_answer(question)
            rows.append([0.0,
                         (question_coverage(sentence) + passage_coverage(sentence)) / 2,  # follow-ups: both
                         passage_coverage(passage), 1.0 / c.hit.rank,
                         (1.0 if found else -1.0) if expects else 0.0])
        matrix = np.array(rows, dtype=np.float32)
        if self.retriever.has_dense:
            sentences = self._vectors.get([c.text for c in candidates])
            matrix[:, 0] = sentences @ self.retriever.query_vector(question)
            if query != question:  # a follow-up: its context counts as much as its words
                matrix[:, 0] = (matrix[:, 0] + sentences @ self.retriever.query_vector(query)) / 2
        return matrix

    def _coverage(self, terms: frozenset[str]):
        """A function giving the IDF-weighted share of ``terms`` found in another term set."""
        weights = {t: self.retriever.lexical.idf(t) for t in terms}
        total = sum(weights.values()) or 1.0
        return lambda present: sum(w for t, w in weights.items() if t in present) / total

    def score(self, features: np.ndarray) -> np.ndarray:
        """Per candidate: how well it answers (chooses the sentences)."""
        return features @ self.settings.vector()

    def confidence(self, features: np.ndarray) -> float:
        """Whether any candidate answers: a question expecting a number, date or name
        with no candidate holding one is less likely answered by the documents."""
        return float((features @ self.settings.confidence_vector()).max()) if len(features) else 0.0

    def select(self, candidates: list[Candidate], scores: np.ndarray) -> list[Candidate]:
        """The best sentence, plus up to ``max_sentences - 1`` nearly as good, non-redundant ones."""
        order = [int(i) for i in np.argsort(-scores, kind="stable")]
        best = scores[order[0]]
        chosen = [order[0]]
        vectors = self._vectors.get([c.text for c in candidates]) if self.retriever.has_dense else None
        for i in order[1:]:
            if len(chosen) == self.settings.max_sentences or scores[i] < best * self.settings.support_ratio:
                break
            if any(_overlaps(candidates[i], candidates[j]) for j in chosen):
                continue
            if vectors is not None and max(float(vectors[i] @ vectors[j]) for j in chosen) >= self.settings.redundancy:
                continue
            chosen.append(i)
        return [candidates[i] for i in chosen]


class _TermCache:
    """Each distinct text tokenized once per scoring (a passage holds many sentences)."""

    def __init__(self, tokenize) -> None:
        self._tokenize = tokenize
        self._terms: dict[str, frozenset[str]] = {}

    def __call__(self, text: str) -> frozenset[str]:
        if text not in self._terms:
            self._terms[text] = frozenset(self._tokenize(text))
        return self._terms[text]


def _overlaps(a: Candidate, b: Candidate) -> bool:
    return a.hit.doc == b.hit.doc and a.start < b.end and b.start < a.end


class _VectorCache:
    """Sentence embeddings by text, computed in one batch per call, kept for reuse."""

    def __init__(self, retriever: Retriever, capacity: int = 50_000) -> None:
        self._retriever = retriever
        self._capacity = capacity
        self._vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, texts: list[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if missing:
            encoded = self._retriever.embedder.encode(missing)
            with self._lock:
                self._vectors.update(zip(missing, encoded))
                while len(self._vectors) > self._capacity:
                    self._vectors.popitem(last=False)
        with self._lock:
            found = {t: self._vectors.get(t) for t in texts}
        if any(v is None for v in found.values()):  # evicted meanwhile by another thread
            return self._retriever.embedder.encode(texts)
        return np.stack([found[t] for t in texts])
