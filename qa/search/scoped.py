"""Typo correction within a question's document filter: the speller (``qa.search.spelling``) reads
a typed word against the words of the documents searched, not of the whole index, so that a
question limited to some folders is never "read as" a word only another folder holds (which
would tell its reader that word is there). The filter of the question being answered is held
in a context variable that the evidence step sets around its run: the speller is built once
with the pipeline and takes no filter argument."""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import numpy as np

from index.backends import Scope
from index.lexical import LexicalIndex

_SCOPE: contextvars.ContextVar[Scope | None] = contextvars.ContextVar("spelling_scope", default=None)


@contextlib.contextmanager
def spelling_within(scope: Scope | None) -> Iterator[None]:
    """Spelling in this block reads only ``scope``'s passages (None: all of them)."""
    token = _SCOPE.set(scope)
    try:
        yield
    finally:
        _SCOPE.reset(token)


class ScopedLexical:
    """The BM25 index as the speller sees it: a term is known only if a passage in the current
    scope holds it, and its spellings are read from the scope's passages. IDF stays corpus-wide
    (as it does for ranking). Nothing else is passed through: a new use by the speller fails
    loudly here rather than reading the whole index."""

    def __init__(self, lexical: LexicalIndex) -> None:
        self.lexical = lexical

    def known(self, term: str) -> bool:
        scope = _SCOPE.get()
        if not self.lexical.known(term):
            return False
        return scope is None or bool(np.any(self.lexical.scores_at([term], scope.rows) != 0))

    def idf(self, term: str) -> float:
        return self.lexical.idf(term)

    def search(self, query_tokens: list[str], depth: int, rows: np.ndarray | None = None) -> list[tuple[int, float]]:
        scope = _SCOPE.get()
        return self.lexical.search(query_tokens, depth, scope.rows if scope is not None and rows is None else rows)
