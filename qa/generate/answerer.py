"""Generated answers: the extractive evidence first (abstention stays: the model is never
asked when the documents are silent), then the user's model streams an answer over the
same passages, then every sentence is verified. Whatever fails falls back to the extractive
answer with a one-line notice."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import replace

from qa.answer.typed import find_short_answer
from qa.answer.citations import cite, source
from qa.answer.compose import compose_text
from qa.answer.evidence import HISTORY_TURNS
from qa.answer.pipeline import ExtractivePipeline
from qa.answer.state import AnswerState
from qa.generate.client import NOT_SAID, GenerationFailed, LLMClient, grounded_messages
from qa.records import Answer, Citation, Hit
from qa.generate.verification import CheckedSentence, Verifier

PROMPT_PASSAGES = 5  # the best passages go to the model (prompt time dominates on a CPU)
MIN_KEPT_SHARE = 0.5  # below this share of verified sentences the extractive answer is shown


class GeneratedAnswerer:
    """Answers with the user's language model over the extractive pipeline's passages, keeping
    only the sentences the passages support; the extractive answer whenever that fails."""

    def __init__(self, pipeline: ExtractivePipeline, client: LLMClient, verifier: Verifier) -> None:
        self.pipeline, self.client, self.verifier = pipeline, client, verifier

    def stream(self, state: AnswerState) -> Iterator[str | Answer]:
        """The model's text as it arrives (``str`` pieces), then the final ``Answer``, for a
        question's state as the pipeline starts it. Small talk and a declined question end
        with the extractive answer: the model is not asked."""
        state = self.pipeline.run(state)
        extractive = state.answer
        if extractive.abstained:
            yield extractive
            return
        passages = state.evidence.result.hits[:PROMPT_PASSAGES]
        messages = grounded_messages(state.question, list(state.history)[-HISTORY_TURNS:], passages)
        pieces: list[str] = []
        try:
            for piece in self.client.stream(messages):
                pieces.append(piece)
                yield piece
        except GenerationFailed as error:
            yield _fallback(extractive, f"{error}; showing the extractive answer", "".join(pieces), [])
            return
        follow_up = state.evidence.turn.retrieval_query != state.evidence.turn.question
        # read with its typos corrected, as the pipeline read it
        yield self.verified(state.as_read or state.question, "".join(pieces), extractive, passages, not follow_up)

    def verified(self, question: str, reply: str, extractive: Answer, passages: Sequence[Hit],
                 self_contained: bool = True) -> Answer:
        """The reply's supported sentences with exact citations, or the extractive answer."""
        if reply.strip().lower().startswith(NOT_SAID.lower().rstrip(".")):
            return _fallback(extractive, "the model found no answer in the passages; showing the extractive answer",
                             reply, [])
        checked = self.verifier.check(reply, passages, question, self_contained)
        distinct = {_plain(c.text): c for c in reversed(checked)}  # a repeated sentence counts once
        kept = [c for c in checked if c.supported and distinct.get(_plain(c.text)) is c]
        if not kept or len(kept) < MIN_KEPT_SHARE * len(distinct):
            return _fallback(extractive, f"{len(kept)} of {len(distinct)} generated sentences are supported by "
                                         "the sources; showing the extractive answer", reply, checked)
        # The passages' typed answer (number, date, name) must be stated, or the question is not answered
        # (typed, not the shown short answer: that one is right about half the time, too weak a test).
        typed = find_short_answer(question, extractive.citations[0].quote) if extractive.citations else None
        stated = f" {_plain(' '.join(c.text for c in kept))} "
        if typed and f" {_plain(typed)} " not in stated:
            return _fallback(extractive, f"the model's supported sentences do not state what the passages answer "
                                         f"({typed}); showing the extractive answer", reply, checked)
        citations, segments = _cite(kept, passages, self.pipeline.retriever.records.page_at)
        return replace(extractive, text=compose_text(segments, False), citations=citations, segments=segments,
                       short_answer=None, generated_by=self.client.settings.model, reply=reply,
                       checked=[c.as_dict() for c in checked])


def _cite(kept: list[CheckedSentence], passages: Sequence[Hit], page_at) -> tuple[list[Citation], list]:
    """One citation per distinct supporting span, numbered in order of first use."""
    numbers: dict[tuple[str, int, int], int] = {}
    sources, segments = [], []
    for sentence in kept:
        hit = passages[sentence.passage - 1]
        key = (hit.doc, sentence.start, sentence.end)
        if key not in numbers:
            numbers[key] = len(numbers) + 1
            sources.append(source(hit, sentence.start, sentence.end))
        segments.append((sentence.text, (numbers[key],)))
    return cite(sources, page_at), segments


def _plain(text: str) -> str:
    """Lower-case words only, for comparing statements."""
    return " ".join(re.findall(r"[^\W_]+", text.lower()))


def _fallback(extractive: Answer, notice: str, reply: str, checked: list[CheckedSentence]) -> Answer:
    notices = "; ".join(n for n in (extractive.notice, notice) if n)
    return replace(extractive, notice=notices, reply=reply or None, checked=[c.as_dict() for c in checked])
