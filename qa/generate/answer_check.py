"""Whether a generated sentence that restates the question gives the answer its passages give.

The verifier's other checks ask whether a sentence's facts and words are in a passage. A
sentence can pass them and still answer another question: "Beyoncé became popular in 2003"
when the passage dates her debut album, not her fame, to 2003 (every word is in it). For a
sentence that repeats most of the question's content words (it claims to answer it), the
reader (``qa.answer.reader``) reads the question with each sentence of the cited passages; the
generated sentence must state the short answer of one of the reader's two likeliest sentences
(the second counted only within half the first's probability): one of its numbers, or for an
answer without numbers one of its content words. A sentence that does not restate the
question (context around the answer) is not checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from index.sentences import sentence_spans, unwrapped
from index.text import masked_markup

from qa.answer.reader.model import Reader
from qa.generate.facts import numbers

RESTATES = 0.5  # share of the question's content words a sentence repeats to be checked
LIKELIEST = 2  # the reader's likeliest sentences whose short answers count
WITHIN = 0.5  # ... the second only when its probability is within this share of the first's
CACHED = 256  # (question, passage) readings kept: a reply's sentences share them


class AnswerCheck:
    """The reader's short answers to a question in a set of passages, and whether a generated
    sentence states one of them."""

    def __init__(self, reader: Reader, tokenize: Callable[[str], list[str]]) -> None:
        self.reader, self.tokenize = reader, tokenize
        self._answers: dict[tuple[str, str], list[tuple[float, str]]] = {}

    def restates(self, sentence: str, question: str) -> bool:
        """The sentence repeats at least ``RESTATES`` of the question's content words."""
        asked = set(self.tokenize(question.lower()))
        return bool(asked) and len(asked & set(self.tokenize(sentence.lower()))) >= RESTATES * len(asked)

    def answers(self, question: str, passages: Sequence[str]) -> list[str]:
        """The short answers of the reader's likeliest sentences across ``passages``."""
        read = sorted((pair for text in passages for pair in self._read(question, text)), reverse=True)
        if not read:
            return []
        first = read[0][0]
        return [span for p, span in read[:LIKELIEST] if p >= WITHIN * first]

    def contradicts(self, sentence: str, question: str, passages: Sequence[str]) -> str | None:
        """The reader's answer a sentence restating the question leaves out, or None (the
        sentence states one, does not restate the question, or no passage has a sentence)."""
        if not self.restates(sentence, question):
            return None
        answers = self.answers(question, passages)
        said = set(self.tokenize(sentence.lower())) - set(self.tokenize(question.lower()))
        said_numbers = numbers(sentence) - numbers(question)
        for answer in answers:
            # "$150 billion" shares "billion" with "$200 billion": an amount is its number
            if said_numbers & numbers(answer) if numbers(answer) else said & set(self.tokenize(answer.lower())):
                return None
        return answers[0] if answers else None

    def _read(self, question: str, passage: str) -> list[tuple[float, str]]:
        key = (question, passage)
        if key not in self._answers:
            if len(self._answers) >= CACHED:
                self._answers.clear()
            texts = [unwrapped(masked_markup(passage[a:b])) for a, b in sentence_spans(passage)]
            texts = [t for t in texts if t.strip()]
            if texts:
                probabilities, spans = self.reader.score(question, texts, ["", *texts[:-1]])
                self._answers[key] = [(float(p), t[a:b]) for p, t, (a, b) in zip(probabilities, texts, spans)]
            else:
                self._answers[key] = []
        return self._answers[key]

