"""Whether a generated sentence that restates the question gives the answer its passages give.

The verifier's other checks ask whether a sentence's facts and words are in a passage. A
sentence can pass them and still answer another question: "Beyoncé became popular in 2003"
when the passage dates her debut album, not her fame, to 2003 (every word is in it). For a
sentence that repeats most of the question's content words (it claims to answer it), the
reader (``qa.answer.reader``) reads the question with each sentence of the cited passages; the
generated sentence must state the short answer of one of the reader's two likeliest sentences
(the second counted only within half the first's probability): one of its numbers, or for an
answer without numbers one of its content words. A sentence that does not restate the
question (context around the answer), a question too short to tell, and passages in which the
reader finds no likely answer are not checked.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from index.sentences import sentence_spans, unwrapped
from index.text import masked_markup

from qa.answer.reader.model import Reader
from qa.generate.facts import fold, number_values

MIN_ASKED = 2  # a question with fewer content words is too short to tell a restatement
RESTATES = 0.5  # ... and a sentence repeating at least two and this share of them is checked
LIKELIEST = 2  # the reader's likeliest sentences whose short answers count
WITHIN = 0.5  # ... the second only when its probability is within this share of the first's
CACHED = 256  # (question, passage) readings kept: a reply's sentences share them


class AnswerCheck:
    """The reader's short answers to a question in a set of passages, and whether a generated
    sentence states one of them. ``min_probability``: below it the reader found no answer
    (the reader step's threshold), and nothing is checked."""

    def __init__(self, reader: Reader, tokenize: Callable[[str], list[str]], min_probability: float) -> None:
        self.reader, self.tokenize, self.min_probability = reader, tokenize, min_probability
        self._answers: dict[tuple[str, str], list[tuple[float, str]]] = {}

    def terms(self, text: str) -> set[str]:
        return set(self.tokenize(fold(text)))

    def restates(self, sentence: str, question: str) -> bool:
        """The question has ``MIN_ASKED`` content words or more, and the sentence repeats at
        least two of them and ``RESTATES`` of all ("Who is Beyoncé?" is answered by anything
        said of her, and is not checked)."""
        asked = self.terms(question)
        shared = len(asked & self.terms(sentence))
        return len(asked) >= MIN_ASKED and shared >= MIN_ASKED and shared >= RESTATES * len(asked)

    def answers(self, question: str, passages: Sequence[str]) -> list[str]:
        """The short answers of the reader's likeliest sentences across ``passages`` (none when
        no sentence is likely to answer)."""
        read = sorted((pair for text in passages for pair in self._read(question, text)), reverse=True)
        if not read or read[0][0] < self.min_probability:
            return []
        first = read[0][0]
        return [span for p, span in read[:LIKELIEST] if p >= WITHIN * first]

    def contradicts(self, sentence: str, question: str, passages: Sequence[str]) -> str | None:
        """The reader's answer a sentence restating the question leaves out, or None (the
        sentence states one, does not restate the question, or the reader finds no answer)."""
        if not self.restates(sentence, question):
            return None
        answers = [a for a in self.answers(question, passages) if self.terms(a) or number_values(a)]
        if not answers or any(self.states(sentence, question, answer) for answer in answers):
            return None
        return answers[0]

    def states(self, sentence: str, question: str, answer: str) -> bool:
        """The sentence states ``answer``: one of its numbers (digits or words) for an amount
        ("$150 billion" shares "billion" with "$200 billion"), else one of its content words;
        the answer's words beyond the question's count, unless it has no others ("Paris or
        London?" answered "London")."""
        values = number_values(answer)
        if values:
            return bool((values - number_values(question) or values) & number_values(sentence))
        wanted = self.terms(answer)
        return bool((wanted - self.terms(question) or wanted) & self.terms(sentence))

    def _read(self, question: str, passage: str) -> list[tuple[float, str]]:
        key = (question, passage)
        found = self._answers.get(key)
        if found is None:
            texts = [unwrapped(masked_markup(passage[a:b])) for a, b in sentence_spans(passage)]
            texts = [t for t in texts if t.strip()]
            found = []
            if texts:
                probabilities, spans = self.reader.score(question, texts, ["", *texts[:-1]])
                found = [(float(p), t[a:b]) for p, t, (a, b) in zip(probabilities, texts, spans)]
            if len(self._answers) >= CACHED:
                self._answers.clear()
            self._answers[key] = found
        return found
