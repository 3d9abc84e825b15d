"""A document's field lines ("Date: 12 March 2025", "Attendees: Priya, Tom", "Location: Room
4B", a list's "- Priya: write the rollback plan", or a lead-in "Attendees:" or a section's
heading "Decisions" above its list), which meeting notes, tickets and invoices are made of. A
question asking for a field, by its label ("What is the location?", "What must Priya do?") or
by its shape ("Who attended the meeting?", "What was decided?"), is answered by the field's
value, looked up like a message's header line (``answer.lookups.message_headers``): the line shares no word
with the question, or too few to be scored up. Only when the rest of the question asks about
nothing the document's title does not name ("When is the database migration?" is for the body
to answer, not the notes' "Date:" line). A section whose heading the question names whole
("What went well?") answers with its opening sentence, which has no one span to show (an FAQ's
heading that asks a question is answered as any question is)."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import PurePosixPath

from index.chunking import BREADCRUMB_SEPARATOR

from qa.answer.candidates import FIELD_LINE, LIST_ITEM, Candidate
from qa.answer.lookups.message_headers import is_header_line
from qa.answer.state import AnswerState, Lookup

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
    ("decisions decided agreed outcomes resolutions", r"^\W*what\s+(?:was|were|has\s+been|have\s+been|did\s+\w+)\s+"
                                                      r"(?:decided|agreed|resolved)\b"),
)
_ASKED = tuple((frozenset(labels.split()), re.compile(shape, re.IGNORECASE)) for labels, shape in _FIELDS)
# What a question may say beside a field's label: the kind of document it is about, and the verbs
# that ask for the value ("What must Priya do?", "Who handles facilities?")
_BESIDE_FIELD = "meeting meet sync call standup session notes minutes document doc event workshop review " \
                "ticket issue report invoice order recipe it this must need handle handles manage manages contact"


def field_line(candidates: list[Candidate], question: str, stems: Callable[[str], list[str]]
               ) -> tuple[int, tuple[int, int] | None] | None:
    """The first candidate (passages in rank order) that is a field ``question`` asks for, with
    the ``[start, end)`` of its value, if it has one span: a line "Label: value" of a few words
    among others like it in its passage (not a message's header line), or a lead-in "Label:"
    or a section's heading with its list or opening sentence (no span), whose label the
    question names (first) or asks for by its shape, in a document whose title, section or file
    name holds the question's other words."""
    asked_stems = set(stems(question))
    shapes = [(labels, shape.search(question)) for labels, shape in _ASKED]
    generic = _beside_field(stems)
    found = [(i, field) for i, field in enumerate(map(_field, candidates)) if field is not None]
    fields = [(i, label, set(stems(label)), value, heading) for i, (label, value, heading) in found]  # stemmed once
    for by_label in (True, False):
        for i, label, label_stems, value, heading in fields:
            if by_label and label_stems and label_stems <= asked_stems:  # "What is the location?"
                # a heading named with more than its document's words asks about the section, not for
                # it ("When are refunds issued?" of "Refunds")
                rest = asked_stems - label_stems - (set() if heading else generic)
            elif by_label:
                continue
            else:
                shape = next((match for labels, match in shapes
                              if match and labels.intersection(label.lower().split())), None)
                if shape is None:
                    continue
                # "Who attended | the meeting?"; "When | is the invoice due?" of "Due date:" (the label's own word)
                rest = set(stems(question[:shape.start()] + " " + question[shape.end():])) - generic - label_stems
            hit = candidates[i].hit
            if rest <= set(stems(f"{hit.title} {hit.section} {PurePosixPath(hit.doc).stem}")):
                return i, value
    return None


@lru_cache(maxsize=8)
def _beside_field(stems: Callable[[str], list[str]]) -> frozenset[str]:
    """``_BESIDE_FIELD`` as an index's tokenizer (``stems``) reads them, read once per tokenizer."""
    return frozenset(stems(_BESIDE_FIELD))


def _field(candidate: Candidate) -> tuple[str, tuple[int, int] | None, bool] | None:
    """``candidate``'s label, the span of its value, and whether the label is a section's
    heading: a field line (a list item's too) in a block of them; a lead-in "Label:" with its
    list, or what opens a section read after its heading (no span); None otherwise."""
    text, section = candidate.text, candidate.hit.section
    lead_in = _LEAD_IN.match(text) if candidate.is_list else None
    if lead_in:
        return lead_in.group(1), None, False
    found = None if candidate.is_list else _field_line(text)
    if found and len(found.group(2).split()) <= FIELD_WORDS and not is_header_line(candidate):
        lines = candidate.hit.text.splitlines()
        at = candidate.line_start - candidate.hit.line_start
        if any(0 <= j < len(lines) and _field_line(lines[j].strip()) for j in (at - 1, at + 1)):
            value = found.span(2)
            return found.group(1), (value[0], value[1] - text[slice(*value)].endswith(".")), False
    heading = section.split(BREADCRUMB_SEPARATOR)[-1]
    if heading and not heading.endswith("?") and candidate.reading == f"{section}: {text}":  # what it opens with
        return heading, None, True  # (an FAQ's question is answered as any question is: it may have a short answer)
    return None


def _field_line(line: str) -> re.Match | None:
    """``line`` as a field line "Label: value", after its list marker if it has one."""
    marker = LIST_ITEM.match(line)
    return FIELD_LINE.fullmatch(line, marker.end() if marker else 0)


class FieldLine:
    """Lookup: the document's field line the question asks for ("Who attended the meeting?"),
    cited alone when it has a value span or is a lead-in with its list; otherwise a section's
    opening sentence, cited with the best others. ``stems``: the index's tokenizer."""

    def __init__(self, stems: Callable[[str], list[str]]) -> None:
        self.stems = stems

    def find(self, state: AnswerState) -> Lookup | None:
        candidates = state.evidence.candidates
        found = field_line(candidates, state.as_read, self.stems)
        if found is None:
            return None
        lead, span = found
        return Lookup(lead, span=span, alone=span is not None or candidates[lead].is_list)
