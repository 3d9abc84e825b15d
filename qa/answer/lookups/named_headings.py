"""Questions that name a section's heading and ask the rest of it ("When was version 2.2
released?" of "## Version 2.2 (2025-01-20)"): the heading's span is the short answer, cited
first, with the best sentence under it."""

from __future__ import annotations

from qa.answer.headings import HeadingAnswers
from qa.answer.state import AnswerState, Lookup


class NamedHeading:
    """Lookup: a retrieved passage's section heading the question names (``HeadingAnswers.named``)."""

    def __init__(self, headings: HeadingAnswers) -> None:
        self.headings = headings

    def find(self, state: AnswerState) -> Lookup | None:
        evidence = state.evidence
        found = self.headings.named(state.as_read, evidence.result.hits, evidence.candidates, evidence.scores)
        return Lookup(found[0], heading=found[1:], alone=True) if found else None
