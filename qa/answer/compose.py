"""The last steps: declining when the evidence is too weak, and writing the answer's text with
its numbered citations."""

from __future__ import annotations

import re

from index.store import RecordStore

from qa.answer.citations import cite, source
from qa.answer.state import AnswerState
from qa.records import Answer

NOT_IN_DOCUMENTS = ("Not in the documents: no passage answers this question with enough "
                    "confidence. The closest matches are listed below.")


def answer_fields(state: AnswerState) -> dict:
    """What every answer to the question says, declined or not: the question as typed, the
    passages read, the mode that served them, the confidence and any notice."""
    evidence = state.evidence
    notice = "; ".join(filter(None, [evidence.result.notice, evidence.spelling])) or None
    return dict(question=state.question, passages=evidence.result.hits, mode=evidence.result.mode,
                confidence=evidence.confidence, retrieval_query=evidence.turn.retrieval_query, notice=notice)


class Decline:
    """Step: "not in the documents" when the confidence is below ``threshold`` and neither a
    lookup nor an overview answers."""

    def __init__(self, threshold: float) -> None:
        self.threshold = threshold

    def run(self, state: AnswerState) -> AnswerState:
        if state.evidence.confidence < self.threshold and state.lookup is None and not state.overview_sentences:
            state.answer = Answer(text=NOT_IN_DOCUMENTS, abstained=True, citations=[], **answer_fields(state))
        return state


class Compose:
    """Step: the answer's text from the choice: the short answer on a line of its own, then
    each cited sentence with its ``[n]``; a heading that answers is cited first."""

    def __init__(self, records: RecordStore) -> None:
        self.records = records

    def run(self, state: AnswerState) -> AnswerState:
        chosen, span, heading = state.choice.chosen, state.choice.span, state.choice.heading
        sources = [(chosen[0].hit, heading[0].start, heading[0].end, heading[0].text, heading[0].line,
                    heading[0].line)] if heading else []
        sources += [source(c.hit, c.start, c.end) for c in chosen]
        citations = cite(sources, self.records.page_at)
        shown = heading[0].text[slice(*heading[1])] if heading else chosen[0].text[slice(*span)] if span else ""
        short = shown or None
        segments = ([(short, (1,))] if short else []) + [(display_sentence(c.quote), (c.n,))
                                                          for c in citations[bool(heading):]]
        state.answer = Answer(text=compose_text(segments, bool(short)), abstained=False, citations=citations,
                              short_answer=short, segments=segments, **answer_fields(state))
        return state


def compose_text(segments: list[tuple[str, tuple[int, ...]]], leads_with_short_answer: bool) -> str:
    """The answer's plain text: each segment followed by its ``[n]`` markers; a short
    answer stands on its own line above the sentences."""
    parts = [text + "".join(f" [{n}]" for n in numbers) for text, numbers in segments]
    if leads_with_short_answer:
        return parts[0] + "\n\n" + " ".join(parts[1:])
    return " ".join(parts)


def display_sentence(quote: str) -> str:
    """A quote as it reads in an answer: list markers and line breaks dropped, but a code
    block's lines kept (on a line of their own after the sentence introducing them)."""
    fence = _FENCE_LINE.search(quote)
    if fence:
        lead = display_sentence(quote[:fence.start()]) if quote[:fence.start()].strip() else ""
        return f"{lead}\n{quote[fence.start():].strip()}" if lead else quote[fence.start():].strip()
    return " ".join(quote.lstrip("•◦▪‣*- ").split())


_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~)", re.MULTILINE)
