"""A document's field lines ("Date: 12 March 2025", "Attendees: Priya, Tom", "Location: Room
4B", or a lead-in "Attendees:" above its list), which meeting notes, tickets and invoices open
with. A question asking for a field, by its label ("What is the location?") or by its shape
("Who attended the meeting?", "When was the meeting?"), is answered by the field's value,
looked up like a message's header line (``message_headers``): the line shares no word with the
question, or too few to be scored up. Only when the rest of the question asks about nothing
the document's title does not name ("When is the database migration?" is for the body to
answer, not the notes' "Date:" line)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import PurePosixPath

from .candidates import FIELD_LINE, Candidate
from .message_headers import is_header_line

_LEAD_IN = re.compile(r"([A-Z][A-Za-z]+(?:[ -][A-Za-z]+){0,2}):[ \t]*\n")  # "Attendees:" above its list
FIELD_WORDS = 20  # a field's value is a few words ("Bunkering Infrastructure: Singapore is …" is a paragraph)
# Labels of one field, and the question shape that asks for it without naming it.
_FIELDS = (
    ("attendees participants present attendance invitees attending",
     r"\bwho\b.*?\b(?:attend(?:ed|s|ing)?|participated|took\s+part|joined|(?:was|were)\s+(?:there|present|at|in))\b"),
    ("date day when held", r"^\W*(?:when|(?:on\s+)?what\s+(?:date|day))\b"),
    ("time start starts", r"^\W*(?:at\s+)?what\s+time\b"),
    ("location where venue place room address", r"^\W*where\b"),
    ("author prepared written notes minutes scribe", r"\bwho\b.*?\b(?:wrote|written|prepared|took\s+(?:the\s+)?"
                                                     r"(?:notes|minutes))\b"),
    ("owner assignee assigned responsible", r"\bwho\b.*?\b(?:owns?|responsible|assigned)\b"),
    ("total amount balance price cost fee", r"^\W*how\s+much\s+(?:is|was|are|were|do|does|did)\b"
                                            r"(?:.*\b(?:cost|owe|pay|charge)\w*)?"),
    ("chair facilitator host organizer organiser led", r"\bwho\b.*?\b(?:chaired|led|ran|hosted|organi[sz]ed|"
                                                       r"facilitated)\b"),
)
_ASKED = tuple((frozenset(labels.split()), re.compile(shape, re.IGNORECASE)) for labels, shape in _FIELDS)
# What a question may name beside the field: the kind of document it is about
_DOCUMENT_NOUNS = "meeting meet sync call standup session notes minutes document doc event workshop review " \
                  "ticket issue report invoice order recipe it this"


def field_line(candidates: list[Candidate], question: str, stems: Callable[[str], list[str]]
               ) -> tuple[int, tuple[int, int] | None] | None:
    """The first candidate (passages in rank order) that is a field ``question`` asks for, with
    the ``[start, end)`` of its value: a line "Label: value" of a few words among others like it
    in its passage (not a message's header line), or a lead-in "Label:" with its list (no
    span: the list is the value), whose label the question names or asks for by its shape, in
    a document whose title, section or file name holds the question's other words."""
    asked_stems = set(stems(question))
    shapes = [(labels, shape.search(question)) for labels, shape in _ASKED]
    generic = _document_nouns(stems)
    for i, candidate in enumerate(candidates):
        field = _field(candidate)
        if field is None:
            continue
        label, value = field
        label_stems = set(stems(label))
        if label_stems and label_stems <= asked_stems:  # "What is the location?"
            rest = asked_stems - label_stems
        else:
            shape = next((match for labels, match in shapes if match and labels.intersection(label.lower().split())),
                         None)
            if shape is None:
                continue
            rest = set(stems(question[:shape.start()] + " " + question[shape.end():]))  # "Who attended | the meeting?"
        hit = candidate.hit
        if rest - generic <= set(stems(f"{hit.title} {hit.section} {PurePosixPath(hit.doc).stem}")):
            return i, value
    return None


@lru_cache(maxsize=8)
def _document_nouns(stems: Callable[[str], list[str]]) -> frozenset[str]:
    """``_DOCUMENT_NOUNS`` as an index's tokenizer (``stems``) reads them, read once per tokenizer."""
    return frozenset(stems(_DOCUMENT_NOUNS))


def _field(candidate: Candidate) -> tuple[str, tuple[int, int] | None] | None:
    """``candidate``'s label and the span of its value, if it is a field line in a block of
    them, or a lead-in "Label:" with its list (no span); None otherwise."""
    if candidate.is_list:
        lead_in = _LEAD_IN.match(candidate.text)
        return (lead_in.group(1), None) if lead_in else None
    found = FIELD_LINE.fullmatch(candidate.text)
    if not found or len(found.group(2).split()) > FIELD_WORDS or is_header_line(candidate):
        return None
    lines = candidate.hit.text.splitlines()
    at = candidate.line_start - candidate.hit.line_start
    beside = any(0 <= j < len(lines) and FIELD_LINE.fullmatch(lines[j].strip()) for j in (at - 1, at + 1))
    return (found.group(1), found.span(2)) if beside else None
