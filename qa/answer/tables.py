"""Markdown pipe tables in passage and document text: each row's cells and how it reads under
its header's column names, and where a document's header rules are, so that a passage opening
inside a table finds the header above it."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass

TABLE_ROW = re.compile(r"^[ \t]*(\|.*\|)[ \t]*$", re.MULTILINE)
_HEADER_RULE = re.compile(r"\|(?:[ \t]*:?-{3,}:?[ \t]*\|)+")  # |---|:--:| under a header row
_RULE_LINE = re.compile(rf"^[ \t]*{_HEADER_RULE.pattern}[ \t]*$", re.MULTILINE)  # such a rule as a whole line
_TABLE_RUN = re.compile(r"(?:^[ \t]*\|.*\|[ \t]*(?:\n|\Z))+", re.MULTILINE)  # consecutive table lines


@dataclass(frozen=True)
class TableHeaders:
    """A document's Markdown table header rules (``|---|---|`` under a header row), found in one
    pass, so that a passage opening deep inside a 20,000-row table finds its header by bisection
    (walking up its rows line by line took 15 ms a passage)."""

    rules: list[int]  # where each rule line starts, in order
    runs: list[tuple[int, int]]  # the run of consecutive table lines holding each rule
    names: list[list[str]]  # the column names of the row above each rule (none: the run opens with the rule)

    @classmethod
    def of(cls, text: str) -> TableHeaders:
        rules, runs, names = [], [], []
        for run in _TABLE_RUN.finditer(text):
            for rule in _RULE_LINE.finditer(text, run.start(), run.end()):
                above = max(run.start(), text.rfind("\n", run.start(), max(run.start(), rule.start() - 1)) + 1)
                rules.append(rule.start())
                runs.append(run.span())
                names.append(_cells(text[above:rule.start() - 1]) if rule.start() > run.start() else [])
        return cls(rules, runs, names)

    def run_at(self, offset: int) -> tuple[int, int] | None:
        """The ``[start, end)`` of the run of table lines (a header, its rule, the rows) that
        holds ``offset``, if a rule is in it."""
        i = bisect_right(self.rules, offset) - 1
        return self.runs[i] if i >= 0 and self.runs[i][0] <= offset < self.runs[i][1] else None

    def before(self, offset: int) -> list[str]:
        """The column names of the table that runs on at ``offset`` (a line start): those of
        the nearest rule above it in the same run of table lines; none if there is none."""
        i = bisect_right(self.rules, offset - 1) - 1
        return self.names[i] if i >= 0 and self.runs[i][0] <= offset < self.runs[i][1] else []


def table_rows(text: str, running_header: Sequence[str] = ()) -> dict[tuple[int, int], tuple[str, tuple] | None]:
    """Each Markdown table row's span, how it reads ("Column: value; …" under a header, its
    cells without one) and its named cells (column name, [start, end) in the row); None for
    a header row and its rule."""
    rows: dict[tuple[int, int], tuple[str, tuple] | None] = {}
    header = list(running_header)
    previous = None
    for match in TABLE_ROW.finditer(text):
        span, line = match.span(1), match.group(1)
        if previous is None and text[:span[0]].strip():
            header = []  # the passage's first table starts below it: not the running one
        if previous is not None and text.count("\n", previous[1], span[0]) != 1:
            header, previous = [], None  # not the next line: a new table
        if _HEADER_RULE.fullmatch(line.replace(" ", "")):
            if previous is not None and not header:
                header = _cells(text[slice(*previous)])
                rows[previous] = None
            rows[span] = None
        else:
            cells = _cell_spans(line)
            names = header + [""] * len(cells)
            values = [" ".join(line[start:end].split()) for start, end in cells]
            reading = "; ".join(f"{name}: {value}" if name else value for name, value in zip(names, values) if value)
            rows[span] = (reading, tuple((name, *cell) for name, cell in zip(names, cells) if name and cell[1] > cell[0]))
        previous = span
    return rows


def unmarked(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """``span`` of ``text`` without the Markdown marks around it ("`--no-cache`", "**$29**")."""
    start, end = span
    while end - start > 2 and text[start] == text[end - 1] and text[start] in "`*_":
        start, end = start + 1, end - 1
    return start, end


def _cell_spans(row: str) -> list[tuple[int, int]]:
    """Each cell's ``[start, end)`` in a row "| a | b |" (stripped), without the space around it."""
    bars = [i for i, char in enumerate(row) if char == "|"]
    spans = []
    for start, end in zip((bar + 1 for bar in bars), bars[1:]):
        while start < end and row[start].isspace():
            start += 1
        while end > start and row[end - 1].isspace():
            end -= 1
        spans.append((start, end))
    return spans


def _cells(row: str) -> list[str]:
    row = row.strip()
    return [" ".join(row[start:end].split()) for start, end in _cell_spans(row)]
