"""What a question's shape looks up rather than scores: a table row, a list item by its
place, a table's extreme row, a message's header line, a document's field line, a section
heading. Each module offers one ``find(state)`` returning a ``Lookup`` or None; ``FindLookup`` is
the pipeline step that asks them in order."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from qa.answer.state import AnswerState, Lookup


class Finder(Protocol):
    def find(self, state: AnswerState) -> Lookup | None: ...


class FindLookup:
    """Step: the first of ``finders`` (in order) that finds what the question looks up; what it
    finds leads the answer even below the confidence threshold (no sentence score is needed)."""

    def __init__(self, finders: Sequence[Finder]) -> None:
        self.finders = list(finders)

    def run(self, state: AnswerState) -> AnswerState:
        state.lookup = next((found for found in (f.find(state) for f in self.finders) if found is not None), None)
        return state
