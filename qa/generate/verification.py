"""Sentence-by-sentence checking of a generated answer against the passages it cites.

A sentence is kept only when, in a passage it cites (any passage when it cites none; never
one that addresses the model, e.g. "ignore previous instructions"): (1) every number, date and
name in it appears; (2) its content words beyond the question's appear; (3) it is close in
meaning to a sentence, or two adjacent sentences, of the passage (MiniLM cosine, or content-word
recall when dense retrieval is unavailable); (4) with the reader, a sentence restating the
question gives the answer the reader finds in those passages (``answer_check``). Thresholds
are fitted on labelled claims (``corpusqa calibrate-verifier``). Its citation then points to
that exact span."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from index.sentences import sentence_spans

from qa.generate.facts import fold, missing_facts
from qa.records import Hit

if TYPE_CHECKING:
    from qa.generate.answer_check import AnswerCheck

VECTOR_CACHE = 20_000  # encoded texts kept (about 30 MB)
VERIFIER_CONFIG = Path(__file__).resolve().parents[1] / "data" / "verifier.json"
_MARKERS = re.compile(r"\s*((?:\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]\s*)+)")
_MOVE_MARKERS = re.compile(r"([.!?])(\s*(?:\[\s*\d+(?:\s*[,;]\s*\d+)*\s*\]\s*)+)")
_GENERIC = ("about approximately around roughly nearly almost some every each also total overall including "
            "according currently annual annually yearly year years per still already both several various many")
# Text that addresses the model instead of stating something: never evidence.
INSTRUCTION_LIKE = re.compile(
    r"\b(?:ignore|disregard|forget)\b.{0,40}\b(?:instructions?|prompts?|rules|above)\b|"
    r"\b(?:system prompt|you are now|as an ai|language model|assistant\s*:)", re.IGNORECASE)


@dataclass(frozen=True)
class VerifierSettings:
    """The fitted thresholds a generated sentence must pass (``corpusqa calibrate-verifier``)."""

    min_similarity: float  # cosine between the sentence and its best span (dense available)
    min_overlap: float  # share of the sentence's content words in its best span (BM25 only)
    min_new_stated: float  # share of its content words beyond the question's that the passage holds

    @classmethod
    def load(cls, path: Path = VERIFIER_CONFIG) -> VerifierSettings:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(float(data["min_similarity"]), float(data["min_overlap"]), float(data["min_new_stated"]))

    def save(self, path: Path, fitted: dict) -> None:
        path.write_text(json.dumps({**asdict(self), "fitted": fitted}, indent=2) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class CheckedSentence:
    """One generated sentence and the verdict on it."""

    text: str  # as generated, without its [n] markers
    cited: tuple[int, ...]  # the passage numbers the model gave
    supported: bool
    reason: str  # why it was removed ("" when kept)
    support: float  # the similarity or overlap with its best span
    passage: int | None = None  # 1-based passage holding the supporting span
    start: int = 0  # the span, in document coordinates
    end: int = 0

    def as_dict(self) -> dict:
        return asdict(self)


def generated_sentences(text: str) -> list[tuple[str, tuple[int, ...]]]:
    """The sentences of a reply with the passage numbers cited in each; markers written after
    the full stop ("… 2025. [1]") belong to the sentence before them."""
    text = _MOVE_MARKERS.sub(lambda m: m.group(2).rstrip() + m.group(1) + " ", text.strip())
    result = []
    for start, end in sentence_spans(text):
        sentence = text[start:end]
        numbers = tuple(dict.fromkeys(int(n) for group in _MARKERS.findall(sentence)
                                      for n in re.findall(r"\d+", group)))
        plain = " ".join(_MARKERS.sub(" ", sentence).split())
        plain = re.sub(r"\s+([.!?,;:])", r"\1", plain)
        if any(ch.isalpha() for ch in plain):  # a list number alone ("1.") is not a sentence
            result.append((plain, numbers))
    return result


def content_overlap(sentence: str, span: str, tokenize: Callable[[str], list[str]], given: str = "") -> float:
    """The share of the sentence's content words (stemmed), beyond those of ``given`` (the
    question, which an answer may repeat) and the hedges models add ("approximately every
    year"), that the span holds; add-one smoothed, so one word of paraphrase is not fatal."""
    words = set(tokenize(fold(sentence))) - set(tokenize(fold(given))) - set(tokenize(_GENERIC))
    return (len(words & set(tokenize(fold(span)))) + 1) / (len(words) + 1)


class Verifier:
    """Checks each sentence a model wrote against the passages it was given: the span that
    supports it best, and whether that support is strong enough to keep the sentence."""

    def __init__(self, tokenize: Callable[[str], list[str]],
                 encode: Callable[[list[str]], np.ndarray] | None,
                 settings: VerifierSettings | None = None, answer_check: AnswerCheck | None = None) -> None:
        """``encode`` maps texts to unit vectors (None: judge by content-word overlap);
        ``answer_check`` (the reader) also removes a sentence restating the question with
        another answer than the passages give."""
        self.tokenize, self.encode, self.answer_check = tokenize, encode, answer_check
        self.settings = settings or VerifierSettings.load()
        self._vectors: dict[str, np.ndarray] = {}  # passage spans recur across sentences and turns

    @property
    def threshold(self) -> float:
        return self.settings.min_similarity if self.encode else self.settings.min_overlap

    def check(self, reply: str, passages: Sequence[Hit], question: str = "",
              self_contained: bool = True) -> list[CheckedSentence]:
        """Each sentence of ``reply`` checked; ``self_contained=False`` (a follow-up, which the
        reader cannot read alone) leaves out the reader's check."""
        return [self.check_sentence(text, cited, passages, question, self_contained)
                for text, cited in generated_sentences(reply)]

    def check_sentence(self, text: str, cited: tuple[int, ...], passages: Sequence[Hit],
                       question: str = "", self_contained: bool = True) -> CheckedSentence:
        if any(n < 1 or n > len(passages) for n in cited):
            return CheckedSentence(text, cited, False, "cites a passage that was not given", 0.0)
        numbers = cited or tuple(range(1, len(passages) + 1))
        numbers = tuple(n for n in numbers if not INSTRUCTION_LIKE.search(passages[n - 1].text))
        if not numbers:
            return CheckedSentence(text, cited, False, "cites a passage that addresses the model, not evidence", 0.0)
        stated = [n for n in numbers if not missing_facts(text, passages[n - 1].text)]
        if not stated:
            missing = sorted(missing_facts(text, " ".join(passages[n - 1].text for n in numbers)))
            return CheckedSentence(text, cited, False,
                                   "states what the cited passage does not: " + ", ".join(missing[:5])
                                   if missing else "no single cited passage states all its facts", 0.0)
        stated = [n for n in stated if content_overlap(text, passages[n - 1].text, self.tokenize, question)
                  >= self.settings.min_new_stated]
        if not stated:
            return CheckedSentence(text, cited, False, "says things the cited passage does not", 0.0)
        windows = [(n, start, end) for n in stated for start, end in _windows(passages[n - 1].text)]
        if not windows:
            return CheckedSentence(text, cited, False, "the cited passage has no usable sentence", 0.0)
        texts = [passages[n - 1].text[start:end] for n, start, end in windows]
        supports = self.support(text, texts)
        best = int(np.argmax(supports))
        n, start, end = windows[best]
        hit = passages[n - 1]
        kept = supports[best] >= self.threshold
        reason = "" if kept else "not close enough to what the passage says"
        if kept and self.answer_check is not None and question and self_contained:
            other = self.answer_check.contradicts(text, question, [passages[m - 1].text for m in stated])
            if other is not None:
                kept, reason = False, f"the passage answers the question otherwise: {other}"
        return CheckedSentence(text, cited, bool(kept), reason, round(float(supports[best]), 4), n,
                               hit.start + start, hit.start + end)

    def support(self, sentence: str, spans: list[str]) -> np.ndarray:
        """How well each span supports the sentence: cosine, or content-word overlap."""
        if self.encode is None:
            return np.array([content_overlap(sentence, span, self.tokenize) for span in spans])
        known = {text: self._vectors.get(text) for text in dict.fromkeys([sentence, *spans])}
        missing = [text for text, vector in known.items() if vector is None]
        if missing:  # kept locally too: another thread may clear the cache meanwhile
            known.update(zip(missing, self.encode(missing)))
            if len(self._vectors) + len(missing) > VECTOR_CACHE:
                self._vectors.clear()
            self._vectors.update((text, known[text]) for text in missing)
        return np.array([known[span] for span in spans]) @ known[sentence]


def _windows(text: str) -> list[tuple[int, int]]:
    """Each sentence of a passage and each pair of adjacent ones."""
    spans = list(sentence_spans(text))
    return spans + [(a[0], b[1]) for a, b in zip(spans, spans[1:])]
