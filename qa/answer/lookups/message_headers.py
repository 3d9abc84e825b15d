"""Questions about a message itself (who sent it, to whom, when, on what subject) answered by
its header lines ("From: Priya Natarajan <priya@example.com>"), which an email's text opens with
(``index.loaders.EMAIL_HEADERS``; an email pasted into a text file reads the same). "Who sent
the email?" shares no word with the line that answers it, so, like a table's cell, the line is
looked up by the question's shape, not chosen by a sentence score."""

from __future__ import annotations

import re

from qa.answer.candidates import Candidate
from qa.answer.state import AnswerState, Lookup

TOP_LINES = 8  # a header line is among the first lines of its document
_MESSAGE = r"(?:e-?mail|mail|message|memo|letter|note|it|this|that)"
# The header each kind of question asks for, by the question's shape (case-insensitive).
_ASKED = tuple((name, re.compile(pattern, re.IGNORECASE)) for name, pattern in (
    ("From", rf"\bwho\b.*\b(?:sent|send|wrote|write)\b.*\b{_MESSAGE}\b(?!.*\bto\b)|\bwho\b.*\b{_MESSAGE}\b.*\bfrom\b"
             rf"|\bsender\b"),
    ("To", rf"\bwho\b.*\b{_MESSAGE}\b.*\b(?:sent|addressed|written)\s+to\b|\brecipients?\b"
           rf"|\bwho\b.*\b(?:received|got|gets)\b.*\b{_MESSAGE}\b"),
    ("Date", rf"\bwhen\b.*\b(?:{_MESSAGE}\b.*\b(?:sent|written|dated)|(?:sent|wrote)\b.*\b{_MESSAGE})\b"
             rf"|\bwhat\s+(?:date|day)\b.*\b{_MESSAGE}\b"),
    ("Subject", rf"\bsubject\b|\bwhat\b.*\b{_MESSAGE}\b.*\babout\b"),
))
_HEADER_LINE = re.compile(r"(?:From|To|Cc|Date|Subject|Sent):\s+\S")
_SENDER = re.compile(r"^From:\s", re.MULTILINE)
_RECIPIENT_OR_SUBJECT = re.compile(r"^(?:To|Subject):\s", re.MULTILINE)
_ADDRESS = re.compile(r"\s*<[^<>@\s]+@[^<>\s]+>$")  # "<priya@example.com>" after a name


def asked_header(question: str) -> str | None:
    """The header ``question`` asks for ("Who is the email from?": "From"), if it asks for one."""
    return next((name for name, shape in _ASKED if shape.search(question)), None)


def is_header_line(candidate: Candidate) -> bool:
    """Whether ``candidate`` is a header line of a message: "Subject: …" near the top of a
    document whose passage there has a From line and a To or Subject line (meeting notes'
    "Date: 12 March" are no message's)."""
    return (candidate.line_start <= TOP_LINES and bool(_HEADER_LINE.match(candidate.text))
            and bool(_SENDER.search(candidate.hit.text)) and bool(_RECIPIENT_OR_SUBJECT.search(candidate.hit.text)))


def header_line(candidates: list[Candidate], question: str) -> tuple[int, tuple[int, int]] | None:
    """The first candidate (passages in rank order) that is the header line ``question`` asks
    for, near the top of its document, with the ``[start, end)`` of its value in the line: a
    sender's name without the address beside it ("Priya Natarajan"); otherwise the whole value."""
    name = asked_header(question)
    line = re.compile(rf"{name}:[ \t]*(\S.*)$") if name else None
    for i, candidate in enumerate(candidates if line else []):
        found = line.match(candidate.text) if is_header_line(candidate) else None
        if found:
            value = found.group(1)
            address = _ADDRESS.search(value) if value.count("<") == 1 else None
            end = found.start(1) + (address.start() if address and address.start() else len(value))
            return i, (found.start(1), end)
    return None


class HeaderLine:
    """Lookup: the message header line the question asks for ("Who sent the email?"), cited
    alone with its value as the short answer."""

    def find(self, state: AnswerState) -> Lookup | None:
        found = header_line(state.evidence.candidates, state.as_read)
        return Lookup(found[0], span=found[1], alone=True) if found else None
