"""Questions that look up a table's cell ("What is the area of Hoorn?", "How many staff does
the Paris office have?"): the row holding the cells the question names, with the cell of the
column it asks for as the short answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.answer.candidates import Candidate
from qa.answer.state import AnswerState, Lookup


def looked_up_row(candidates: list[Candidate], scores: Sequence[float], question: str, context: str,
                  tokenize: Callable[[str], list[str]]) -> tuple[int, tuple[int, int]] | None:
    """A table row the question looks up, with the ``[start, end)`` of the cell it asks for:
    a row holding the question's cells ("Paris"), or its ``context``'s (a follow-up's), with a
    column either names ("staff"); of several, the one holding most of the question's own,
    then of the context's, then the best scored."""
    found = []
    for i, c in enumerate(candidates):
        held = (c.cells_asked(question, tokenize), c.cells_asked(context, tokenize)) if c.columns else (0, 0)
        cell = c.named_cell(question, tokenize, context) if any(held) else None
        if cell is not None:
            found.append((*held, scores[i], i, cell))
    return max(found)[3:] if found else None


class TableRow:
    """Lookup: the table row the question (or its conversation) names, with the asked cell."""

    def __init__(self, tokenize: Callable[[str], list[str]]) -> None:
        self.tokenize = tokenize

    def find(self, state: AnswerState) -> Lookup | None:
        evidence = state.evidence
        found = looked_up_row(evidence.candidates, evidence.scores, state.as_read, evidence.turn.retrieval_query,
                              self.tokenize)
        return Lookup(found[0], span=found[1]) if found else None
