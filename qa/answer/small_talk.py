"""Greetings, thanks and questions about corpusqa itself ("hi", "thanks!", "what can you
do?"): answered by a fixed reply that says what it does and with which documents, never by a
search (a greeting had been declined with three unrelated "closest matches"). Only a message
that is nothing but such words: "How do I get help?" is a question for the documents."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.answer.state import AnswerState
from qa.records import Answer

_GREETING = re.compile(r"^\W*(?:hi|hello|hey|hiya|greetings|good\s+(?:morning|afternoon|evening|day))(?:\s+there)?\W*$",
                       re.IGNORECASE)
_THANKS = re.compile(r"^\W*(?:(?:ok(?:ay)?|great|perfect|nice|cool)[,!.]?\s+)?(?:thanks?|thank\s+you|thx|cheers|ty)"
                     r"(?:\s+(?:so|very)\s+much|\s+a\s+lot)?\W*$", re.IGNORECASE)
_ABOUT_ME = re.compile(r"^\W*(?:help|what\s+can\s+you\s+do|what\s+do\s+you\s+do|who\s+are\s+you|what\s+are\s+you|"
                       r"how\s+does\s+this\s+work|how\s+do\s+(?:i\s+use\s+(?:this|you)|you\s+work))\W*$", re.IGNORECASE)
_GOODBYE = re.compile(r"^\W*(?:bye|goodbye|bye\s+bye|see\s+you(?:\s+later)?)\W*$", re.IGNORECASE)
NAMED_DOCUMENTS = 5  # documents named in the reply; the rest are counted


def reply(message: str, documents: Sequence[str]) -> str | None:
    """The reply to ``message`` if it is small talk (``documents``: what is indexed), else None."""
    if _THANKS.match(message):
        return "You're welcome. Ask another question about the documents whenever you like."
    if _GOODBYE.match(message):
        return "Goodbye."
    if _GREETING.match(message) or _ABOUT_ME.match(message):
        return ("Hello. I answer questions from the documents indexed here, and only from them: every answer "
                "quotes the sentences it comes from and cites where each is, and when the documents do not say, "
                "I say so rather than guess. " + _indexed(documents) +
                " Ask for a name, a date, an amount, what a section says, or why something happened.")
    return None


def _indexed(documents: Sequence[str]) -> str:
    """Which documents are indexed, the first ``NAMED_DOCUMENTS`` by name."""
    if not documents:
        return "No documents are indexed yet."
    named = ", ".join(documents[:NAMED_DOCUMENTS])
    if len(documents) > NAMED_DOCUMENTS:
        named += f" and {len(documents) - NAMED_DOCUMENTS} more"
    count = "1 document is" if len(documents) == 1 else f"{len(documents)} documents are"
    return f"{count} indexed: {named}."


class SmallTalk:
    """Step: the fixed reply to a message that is only a greeting, thanks or a question about
    corpusqa, naming the documents the question may read, with nothing searched."""

    def __init__(self, documents: Sequence[str], served_mode: Callable[[str], tuple[str, str | None]]) -> None:
        self.documents, self.served_mode = documents, served_mode

    def run(self, state: AnswerState) -> AnswerState:
        said = reply(state.question, list(state.scope.docs) if state.scope is not None else self.documents)
        if said is not None:
            state.answer = Answer(question=state.question, text=said, abstained=True, citations=[], passages=[],
                                  mode=self.served_mode(state.mode)[0], confidence=0.0)
        return state
