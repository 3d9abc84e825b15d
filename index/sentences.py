"""Sentence boundaries as character spans, so every sentence can be cited exactly."""

from __future__ import annotations

import re
from collections.abc import Iterator

# Words that end with a full stop without ending a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st no vs etc e.g i.e al fig figs inc ltd co corp dept est "
    "approx jan feb mar apr jun jul aug sep sept oct nov dec gen gov sen rep u.s u.k "
    "u.n e.u p.m a.m ph.d".split()
)
_END = re.compile(r"[.!?…]+[\"'”’)\]]*")
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'“‘(\[]?[A-Z0-9•]")
_LIST_NUMBER = re.compile(r"\s*\d{1,3}\.")  # "2. Click Reset": a numbered item's marker ends no sentence


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` spans of the sentences in ``text[start:end]``.

    Lines are boundaries too (list items, headings). Spans never include surrounding
    white space, and a sentence never has a boundary inside a number or abbreviation.
    """
    end = len(text) if end is None else end
    for line in re.finditer(r"[^\n]+", text[start:end]):
        yield from _line_sentences(text, start + line.start(), start + line.end())


def _line_sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    cursor = start
    for match in _END.finditer(text, start, end):
        boundary = match.end()
        if boundary < end and not _NEXT_STARTS_SENTENCE.match(text, boundary, end):
            continue
        if match.group().startswith(".") and _is_abbreviation(text, cursor, match.start()):
            continue
        if cursor == start and _LIST_NUMBER.fullmatch(text, start, match.end()):
            continue
        span = _strip(text, cursor, boundary)
        if span:
            yield span
        cursor = boundary
    span = _strip(text, cursor, end)
    if span:
        yield span


def _is_abbreviation(text: str, sentence_start: int, dot: int) -> bool:
    word_start = dot
    while word_start > sentence_start and not text[word_start - 1].isspace():
        word_start -= 1
    word = text[word_start:dot].lstrip("(\"'“‘").lower()
    return word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha())


def _strip(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None
