"""Candidate sentences of the retrieved passages: each an exact span to cite, and the text the
answer model reads it as. A Markdown table row alone ("| Team | $29 | 10 |") does not say
which column holds what, and a list item does not say what the list is of, so a row is read
with its header's column names ("Plan: Team; Price: $29; Users: 10") and an item after its
lead-in; the quote stays the row or the item itself."""

from __future__ import annotations

import re
from dataclasses import dataclass

from index.sentences import sentence_spans

from .answer_types import find_short_answer
from .records import Hit

_LIST_ITEM = re.compile(r"[•◦▪‣*+-]\s+|\d{1,3}[.)]\s+")
_TABLE_ROW = re.compile(r"^[ \t]*(\|.*\|)[ \t]*$", re.MULTILINE)
_HEADER_RULE = re.compile(r"\|(?:[ \t]*:?-{3,}:?[ \t]*\|)+")  # |---|:--:| under a header row
MIN_WORDS = 3  # shorter spans ("Notes:", "• Basic") are never candidates


@dataclass
class Candidate:
    """A sentence of a retrieved passage, as an exact document span (``text``), and what the
    answer model reads it as (``reading``: the text itself unless it is a table row or a list
    item)."""

    hit: Hit
    start: int
    end: int
    text: str
    line_start: int
    line_end: int
    reading: str = ""

    def __post_init__(self) -> None:
        self.reading = self.reading or self.text

    @property
    def is_list(self) -> bool:
        """A lead-in with its list items (the only candidate over several lines): which item
        answers is for the items, each a candidate of its own, to say."""
        return "\n" in self.text

    def typed_answer(self, question: str) -> str | None:
        """The number, date or name of the kind the question asks for, if this sentence holds
        one (a selection feature; the short answer shown is chosen by ``short_answers``)."""
        return find_short_answer(question, self.reading)


def candidate_sentences(hits: list[Hit]) -> list[Candidate]:
    """Every sentence of the passages (in document coordinates), once, with the best
    rank of a passage that holds it."""
    seen: dict[tuple[str, int, int], Candidate] = {}
    for hit in hits:
        for start, end, reading in passage_sentences(hit.text):
            text = hit.text[start:end]
            key = (hit.doc, hit.start + start, hit.start + end)
            if len(text.split()) >= MIN_WORDS and key not in seen:
                seen[key] = Candidate(hit, key[1], key[2], text,
                                      hit.line_start + hit.text.count("\n", 0, start),
                                      hit.line_start + hit.text.count("\n", 0, end - 1), reading)
    return list(seen.values())


def passage_sentences(text: str) -> list[tuple[int, int, str]]:
    """``(start, end, reading)`` of a passage's candidates in order: its sentences, each table
    row whole (a header row and its rule are not candidates: every row is read with them), and,
    a lead-in ending with ":" with the list items after it as one span (each item is a
    candidate too, read after the lead-in)."""
    rows = _table_rows(text)
    spans = sorted({*rows, *(s for s in sentence_spans(text) if not any(a <= s[0] < b for a, b in rows))})
    readings: dict[tuple[int, int], str] = {}
    for i, (start, end) in enumerate(spans):
        if (start, end) in rows:
            if rows[start, end] is not None:
                readings[start, end] = rows[start, end]
            continue
        last = end
        for item_start, item_end in spans[i + 1:] if text[end - 1] == ":" else ():
            marker = _LIST_ITEM.match(text, item_start)
            if not marker or (item_start, item_end) in rows:
                break
            readings[item_start, item_end] = f"{text[start:end]} {text[marker.end():item_end]}"
            last = item_end
        readings.setdefault((start, last), text[start:last])  # an item keeps its lead-in
    return [(start, end, reading) for (start, end), reading in sorted(readings.items())]


def _table_rows(text: str) -> dict[tuple[int, int], str | None]:
    """Each Markdown table row's span, and how it reads: "Column: value; …" under a header,
    its cells without one; None for a header row and its rule."""
    rows: dict[tuple[int, int], str | None] = {}
    header: list[str] = []
    previous = None
    for match in _TABLE_ROW.finditer(text):
        span, line = match.span(1), match.group(1)
        if previous is None or text.count("\n", previous[1], span[0]) != 1:
            header, previous = [], None  # not the next line: a new table
        if _HEADER_RULE.fullmatch(line.replace(" ", "")):
            if previous is not None and not header:
                header = _cells(text[slice(*previous)])
                rows[previous] = None
            rows[span] = None
        else:
            cells = _cells(line)
            named = (f"{name}: {cell}" if name else cell for name, cell in zip(header + [""] * len(cells), cells) if cell)
            rows[span] = "; ".join(named)
        previous = span
    return rows


def _cells(row: str) -> list[str]:
    return [" ".join(cell.split()) for cell in row.strip().strip("|").split("|")]
