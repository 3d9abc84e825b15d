"""Sentence boundaries as character spans, so every sentence can be cited exactly.

Text is first cut into the units of its layout (``layout_units``): a paragraph, a list item
with its continuation lines, a table row, a heading line, a field line ("Date: 12 May"), a
fenced code block. Sentences are found inside a unit, never across two. A line break inside a
paragraph or an item is white space when the line was wrapped (it is long, or the next line
goes on in lower case), so a hard-wrapped sentence stays one; a short line that ends without
punctuation before a capitalised one ends its sentence (an address, a signature). A table row
and a code block are quoted whole; a parenthesised fragment after a sentence ("(Default 3)",
an item's continuation line) is part of it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# Words that end with a full stop without ending a sentence.
_ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof sr jr st no vs etc e.g i.e al fig figs inc ltd co corp dept est "
    "approx jan feb mar apr jun jul aug sep sept oct nov dec gen gov sen rep u.s u.k "
    "u.n e.u p.m a.m ph.d".split()
)
_END = re.compile(r"[.!?…]+[\"'”’)\]*_]*")
_NEXT_STARTS_SENTENCE = re.compile(r"\s+[\"'“‘(\[*_`]*[A-Z0-9•$€£¥]")
_LIST_NUMBER = re.compile(r"\s*\d{1,3}\.")  # "2. Click Reset": a numbered item's marker ends no sentence
_ITEM = re.compile(r"[ \t]*(?:[•◦▪‣*+-]|\d{1,3}[.)])[ \t]+\S")
_FENCE = re.compile(r"[ \t]{0,3}(`{3,}|~{3,})")
_FIELD = re.compile(r"[ \t]*[A-Z][A-Za-z]+(?:[ -][A-Za-z]+){0,2}:[ \t]+\S")
_OWN_LINE = re.compile(r"[ \t]*(?:\||#{1,6}[ \t])")  # table rows, headings
_QUOTE_LINE = re.compile(r"[ \t]*>")
# A line that is all bold ("**Why was I charged twice?**") or asks after "Q:" or "Question:"
# heads what follows it (an FAQ's question): a line of its own.
BOLD_LINE = re.compile(r"[ \t]*(\*\*|__)(?=\S)(.+?)(?<=\S)\1[ \t]*")
QUESTION_LINE = re.compile(r"[ \t]*(?:Q\d*|Question(?: \d+)?)[ \t]*[:.][ \t]*(\S.*?\?)[ \t]*", re.IGNORECASE)
_WRAPPED_LINE = 40  # a line this long that runs on was wrapped, not ended
_ASIDE = re.compile(r"\([^()]{1,40}\)")  # "(Default 3)", "(optional)": no sentence of its own

PROSE, ITEM, ROW, CODE, FIELD, QUOTE = "prose", "item", "row", "code", "field", "quote"


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int]]:
    """Yield ``(start, end)`` spans of the sentences in ``text[start:end]``, without
    surrounding white space; never a boundary inside a number, an abbreviation or inline code."""
    for unit_start, unit_end, kind in layout_units(text, start, end):
        if kind in (ROW, CODE):
            span = _strip(text, unit_start, unit_end)
            if span:
                yield span
        else:
            yield from _with_asides(text, _unit_sentences(text, unit_start, unit_end))


def _with_asides(text: str, spans: Iterator[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """Sentences, a parenthesised fragment after one ("(Default 3)") kept with it."""
    previous = None
    for span in spans:
        if previous is not None and _ASIDE.fullmatch(text, *span):
            previous = (previous[0], span[1])
            continue
        if previous is not None:
            yield previous
        previous = span
    if previous is not None:
        yield previous


def code_spans(text: str) -> list[tuple[int, int]]:
    """The ``[start, end)`` of each fenced code block of ``text``."""
    return [(start, end) for start, end, kind in layout_units(text) if kind == CODE]


def layout_units(text: str, start: int = 0, end: int | None = None) -> Iterator[tuple[int, int, str]]:
    """``(start, end, kind)`` of each layout unit of ``text[start:end]`` in order (see the
    module docstring); kind is ``prose``, ``item``, ``row`` (a table row or heading line),
    ``field``, ``quote`` (a run of "> " lines) or ``code``."""
    end = len(text) if end is None else end
    lines = _line_spans(text, start, end)
    unit: list[int] | None = None  # [start, end] of the open unit
    kind = PROSE
    fence = ""
    previous = ""  # the unit's last line
    for line_start, line_end in lines:
        line = text[line_start:line_end]
        if fence:  # inside a code block: everything to the closing fence
            unit[1] = line_end
            if line.strip().startswith(fence) and not line.strip().strip(fence[0]):
                yield unit[0], unit[1], CODE
                unit, fence = None, ""
            continue
        opening = _FENCE.match(line)
        blank = not line.strip()
        own = bool(_OWN_LINE.match(line) or BOLD_LINE.fullmatch(line) or QUESTION_LINE.fullmatch(line))
        item = bool(_ITEM.match(line))
        field = bool(_FIELD.match(line))
        quote = bool(_QUOTE_LINE.match(line))
        if unit is not None and kind == QUOTE and quote and not blank:
            unit[1] = line_end  # a quotation's next line
            continue
        if unit is not None and (blank or opening or own or item or field or quote or kind in (ROW, FIELD, QUOTE)
                                 or not _continues(previous, line, kind)):
            yield unit[0], unit[1], kind
            unit = None
        if blank:
            continue
        if opening:
            fence, unit, kind = opening.group(1), [line_start, line_end], CODE
            continue
        if unit is None:
            unit, kind = [line_start, line_end], (ROW if own else QUOTE if quote else FIELD if field
                                                  else ITEM if item else PROSE)
        else:
            unit[1] = line_end
        previous = line
    if unit is not None:
        yield unit[0], unit[1], kind


def _line_spans(text: str, start: int, end: int) -> list[tuple[int, int]]:
    spans, cursor = [], start
    while cursor <= end:
        newline = text.find("\n", cursor, end)
        stop = end if newline < 0 else newline
        spans.append((cursor, stop))
        if newline < 0:
            break
        cursor = newline + 1
    return spans


def _continues(previous: str, line: str, kind: str) -> bool:
    """Whether ``line`` goes on with the open unit whose last line is ``previous``: an item's
    indented continuation, or the next line of a wrapped paragraph or item."""
    last, following = previous.rstrip(), line.lstrip()
    if kind == ITEM and line[:1] in " \t":
        return True  # an indented continuation of a list item
    if not last or not following:
        return False
    if last[-1] in ".!?:;" and not following[0].islower():
        # In prose the sentence rule decides (the line break is white space between two
        # sentences); after an item's sentence only a parenthesis goes on with it ("(Default 3)").
        return kind != ITEM or following[0] == "("
    return following[0].islower() or following[0] in "([`\"'“‘" or len(last) >= _WRAPPED_LINE


_LINE_BEFORE_ITEM = re.compile(r"\n(?![ \t]*(?:[•◦▪‣*+-]|\d{1,3}[.)])[ \t])")


def unwrapped(text: str) -> str:
    """``text`` with each line break that only wraps a line made a space (not one before a
    list item), so offsets stay as they are: what a model reads of a wrapped sentence."""
    return _LINE_BEFORE_ITEM.sub(" ", text)


def _unit_sentences(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    cursor = start
    ticks, looked = 0, start  # backticks in text[cursor:looked], counted as the loop goes
    for match in _END.finditer(text, start, end):
        ticks += text.count("`", looked, match.start())
        looked = match.start()
        boundary = match.end()
        if boundary < end and not _NEXT_STARTS_SENTENCE.match(text, boundary, end):
            continue
        if match.group().startswith(".") and _is_abbreviation(text, cursor, match.start()):
            continue
        if cursor == start and (_LIST_NUMBER.fullmatch(text, start, match.end())
                                or _ITEM_NUMBER.fullmatch(text, start, match.end())):
            continue
        if ticks % 2:  # inside inline code
            continue
        span = _strip(text, cursor, boundary)
        if span:
            yield span
        cursor = looked = boundary
        ticks = 0
    span = _strip(text, cursor, end)
    if span:
        yield span


_ITEM_NUMBER = re.compile(r"[ \t]*(?:[•◦▪‣*+-][ \t]+)?\d{1,3}\.")


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
