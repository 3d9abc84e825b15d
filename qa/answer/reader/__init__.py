"""The reader: a small cross-encoder fine-tuned from the packaged all-MiniLM-L6-v2 (trained by
``qa.fit.reader``, shipped as ``qa/data/reader/reader.onnx``) that reads the question with each
of the best few candidate sentences and says whether the sentence answers it, and where its
short answer is.

- ``encoding``: how (question, sentence, context) becomes token ids (training and run time);
- ``model``: the run-time ``Reader`` (onnxruntime and ``tokenizers``; no torch);
- this module: the ``Read`` step and the settings that weigh its say (``combination.json``,
  fitted by ``python -m qa.fit.reader.combination`` on articles the reader never trained on).
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from index.sentences import unwrapped
from index.text import masked_markup

from qa.answer.candidates import Candidate
from qa.answer.reader.model import MODEL_FILE, Reader, ReaderError
from qa.answer.state import AnswerState
from qa.answer.typed import DATE, QUANTITY, expected_type

COMBINATION_FILE = MODEL_FILE.parent / "combination.json"


@dataclass
class ReaderSettings:
    """How the reader's say is weighed: ``read`` best-scored candidates are read; if any is
    likelier than ``threshold`` to answer, each one's selection score gains ``weight`` times the
    reader's logit (an unread candidate, the lowest logit read); an answer whose confidence is
    below ``ceiling`` is declined when the likeliest sentence read is below ``threshold`` (a probability), unless the sentence leading is a table
    row, a list or code, which the reader never saw in training, or holds the kind of answer
    asked for, an amount or a date (``holds_number_asked``)."""

    read: int = 8
    weight: float = 1.0
    threshold: float = 0.0
    ceiling: float = 1.01
    spans: bool = True  # the short answer shown is the reader's span (whether one is shown stays the span model's)
    fitted_on: dict = field(default_factory=dict)  # what the figures were fitted on, and what they read

    @classmethod
    def load(cls, path: Path = COMBINATION_FILE) -> ReaderSettings:
        if not path.is_file():
            return cls()
        return cls(**json.loads(path.read_text(encoding="utf-8")))

    def save(self, path: Path = COMBINATION_FILE) -> None:
        path.write_text(json.dumps(asdict(self), indent=2) + "\n", encoding="utf-8")


@dataclass(frozen=True)
class Reading:
    """What the reader said of the candidates it read (by candidate index): the probability
    that each answers, and its short answer as [start, end) of the candidate's text, where the
    text is what the reader read (not a table row or a list read with its headers)."""

    probabilities: dict[int, float]
    spans: dict[int, tuple[int, int]]

    @property
    def best(self) -> float:
        return max(self.probabilities.values(), default=0.0)


def reader_text(candidate: Candidate) -> str:
    """What the reader reads of a candidate: its reading with inline markup blanked and wrapped
    lines joined (same length, so a span maps back to the text)."""
    return unwrapped(masked_markup(candidate.reading))


def contexts_of(candidates: list[Candidate], chosen: list[int]) -> list[str]:
    """For each chosen candidate, the candidate sentence before it in the same passage, if any
    (a pronoun's referent, a list's lead-in)."""
    out = []
    for i in chosen:
        c = candidates[i]
        before = [d for d in candidates if d.hit.chunk_id == c.hit.chunk_id and d.hit.doc == c.hit.doc and d.end <= c.start]
        out.append(reader_text(max(before, key=lambda d: d.end)) if before else "")
    return out


def read(reader: Reader, question: str, candidates: list[Candidate], scores: np.ndarray, count: int) -> Reading:
    """The reader's probabilities and spans for the ``count`` best-scored candidates."""
    order = [int(i) for i in np.argsort(-scores, kind="stable")[:count] if np.isfinite(scores[i])]
    if not order:
        return Reading({}, {})
    texts = [reader_text(candidates[i]) for i in order]
    probabilities, spans = reader.score(question, texts, contexts_of(candidates, order))
    return Reading({i: float(p) for i, p in zip(order, probabilities)},
                   {i: span for i, span in zip(order, spans) if candidates[i].reading == candidates[i].text})


def combined(scores: np.ndarray, reading: Reading, weight: float) -> np.ndarray:
    """Selection scores with the reader's logits added (``ReaderSettings``)."""
    if not reading.probabilities:
        return scores
    logits = {i: _logit(p) for i, p in reading.probabilities.items()}
    floor = min(logits.values())
    return np.array([s + weight * logits.get(i, floor) for i, s in enumerate(scores)], dtype=np.float64)


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))


def unfamiliar(candidate: Candidate) -> bool:
    """A candidate unlike the prose the reader was trained on: a table row, a list, code."""
    return bool(candidate.columns) or candidate.is_list or candidate.is_code or candidate.reading != candidate.text


def holds_number_asked(candidate: Candidate, question: str) -> bool:
    """The candidate holds the amount or date the question asks for ("Serves 8." for "How many
    people does it serve?"): a terse line the reader misreads, but no near miss (a name is too
    easily found in any sentence to count)."""
    return expected_type(question) in (QUANTITY, DATE) and candidate.typed_answer(question) is not None


class Read:
    """Step: the reader reads the best-scored candidates; its logits join their selection
    scores, and the confidence falls below the abstention threshold when no sentence it read
    is likely to answer (``ReaderSettings``). Without a reader (``Read.load`` found none, or
    ``reader=False``), or for a follow-up searched with the conversation's context, the
    evidence passes unchanged."""

    def __init__(self, reader: Reader | None, settings: ReaderSettings, threshold: float) -> None:
        self.reader, self.settings, self.threshold = reader, settings, threshold

    @classmethod
    def load(cls, threshold: float, enabled: bool = True) -> Read:
        """The shipped reader and its settings (``enabled=False``, or no shipped model: none)."""
        reader = None
        if enabled:
            try:
                reader = Reader.load()
            except ReaderError as error:  # a broken install answers as before the reader, and says so
                logging.getLogger(__name__).warning("answering without the reader: %s", error)
        return cls(reader, ReaderSettings.load(), threshold)

    def run(self, state: AnswerState) -> AnswerState:
        evidence = state.evidence
        if self.reader is None or not evidence.candidates or evidence.turn.retrieval_query != evidence.turn.question:
            return state  # a follow-up read with the conversation's words ("What about its price?") is not for it
        reading = read(self.reader, state.as_read, evidence.candidates, evidence.scores, self.settings.read)
        if not self.settings.spans:
            reading = Reading(reading.probabilities, {})
        evidence.reading = reading
        evidence.support_scores = evidence.scores  # the sentences cited beside the lead are chosen as before
        if reading.best >= self.settings.threshold:
            # when no sentence read is likely to answer, the reader's order among them says
            # little ("How many people does it serve?": "3 ripe bananas" over "Serves 8.")
            evidence.scores = combined(evidence.scores, reading, self.settings.weight)
        lead = evidence.candidates[int(np.argmax(evidence.scores))]
        if reading.best < self.settings.threshold and evidence.confidence < self.settings.ceiling \
                and not unfamiliar(lead) and not holds_number_asked(lead, state.as_read):
            # below the reader's threshold, the confidence falls below the abstention threshold
            # in proportion (the answer is declined, and says how far it was from answering)
            evidence.confidence = min(evidence.confidence, self.threshold * reading.best / self.settings.threshold)
        return state
