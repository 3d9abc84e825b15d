"""Follow-up questions without an LLM: decide whether a question leans on the
conversation, and if so carry the earlier subject into its retrieval query."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.tokenization import ENGLISH_STOPWORDS

STRONG, WEAK, NONE = "strong", "weak", "none"

_OPENERS = re.compile(r"^\W*(?:and|also|but|so|then|what about|how about|what else|why not|"
                      r"same for|and what|and how)\b", re.I)
_REFERENCES = re.compile(r"\b(?:it|its|they|them|their|theirs|this|these|those|that|there|he|she|"
                         r"his|her|him|such|the latter|the former|the same)\b", re.I)
_PRONOUN = re.compile(r"\b(?:it|its|they|them|their|he|she|him|his|her)\b", re.I)
_QUESTION_WORDS = frozenset(
    "what which who whom whose when where why how does do did is are was were can could should "
    "would will may might much many about tell me please explain describe".split())
_WORD = re.compile(r"[\w’'-]+")


@dataclass(frozen=True)
class Turn:
    """A question as asked and as searched."""

    question: str
    retrieval_query: str
    dependence: str  # STRONG, WEAK or NONE


def dependence(question: str) -> str:
    """STRONG: opens like a continuation ("What about…", "And…") or refers back ("it",
    "those fuels") with no name in the question it could refer to. WEAK: a short question
    without any name ("What exercises are planned?"). NONE: self-contained."""
    if _OPENERS.search(question):
        return STRONG
    words = _WORD.findall(question)
    reference = _REFERENCES.search(question)
    if reference:
        before = _WORD.findall(question[: reference.start()])
        if not any(w[0].isupper() for w in before[1:]):
            return STRONG
    named = any(w[0].isupper() or w[0].isdigit() for w in words[1:])
    if not named and len(content_words(question)) <= 3:
        return WEAK
    return NONE


def content_words(text: str) -> list[str]:
    """The words that carry a question's subject, in order, without repeats."""
    seen: dict[str, str] = {}
    for word in _WORD.findall(text):
        key = word.lower()
        if key not in ENGLISH_STOPWORDS and key not in _QUESTION_WORDS and key not in seen \
                and not _REFERENCES.fullmatch(key):
            seen[key] = word
    return list(seen.values())


def with_context(question: str, previous: Turn) -> tuple[str, bool]:
    """The question in the context of the previous turn, and whether it now reads as a
    self-contained question: a pronoun ("it", "their") is replaced by the previous
    subject (self-contained); otherwise the subject words are appended (not)."""
    known = {c.lower() for c in content_words(question)}
    subject = " ".join(w for w in content_words(previous.retrieval_query) if w.lower() not in known)
    if not subject:
        return question, False
    pronoun = _PRONOUN.search(question)
    if pronoun:
        possessive = pronoun.group().lower() in {"its", "their", "his", "her"}
        replacement = f"{subject}’s" if possessive else subject
        return question[: pronoun.start()] + replacement + question[pronoun.end():], True
    return f"{question} ({subject})", False
