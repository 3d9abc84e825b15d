"""The short-answer model with the word vectors it reads, for the steps that ask it."""

from __future__ import annotations

from index.token_vectors import TokenVectors

from qa.answer.spans.model import BestSpan, ShortAnswerModel
from qa.answer.spans.rules import shown_span
from qa.cache import VectorCache


class SpanFinder:
    """The best short-answer span of a sentence for a question, and the span shown of it.
    ``queries`` / ``sentences`` hold the word vectors of questions / sentences (with their
    embeddings), read only by a model fitted on them."""

    def __init__(self, model: ShortAnswerModel, queries: VectorCache, sentences: VectorCache) -> None:
        self.model = model
        self._queries, self._sentences = queries, sentences

    def word_vectors(self, question: str, sentence: str) -> tuple[TokenVectors, TokenVectors] | None:
        """The question's and the sentence's word vectors, if the model reads them."""
        return (self._queries.tokens(question), self._sentences.tokens(sentence)) if self.model.reads_vectors else None

    def best(self, question: str, sentence: str) -> BestSpan | None:
        return self.model.best(question, sentence, self.word_vectors(question, sentence))

    def shown(self, best: BestSpan | None) -> bool:
        return self.model.shown(best)

    def shown_span(self, question: str, text: str) -> tuple[int, int] | None:
        """The span of ``text`` (a heading) shown for ``question``, as shown, if any."""
        found = self.best(question, text)
        return shown_span(text, found.span, question) if self.model.shown(found) else None
