"""Ruled tables for the PDF reader (``index.formats.pdf``): lines between two or more
horizontal rules of one width, in rows of two cells or more, are a table, written as a table
with a cell's wrapped line joined to its cell. A table without rules is read as text."""

from __future__ import annotations

import statistics

from .pdf_columns import row_groups
from .pdf_pages import Line, Page


def find_tables(page: Page, size: float) -> None:
    """Lines between two or more horizontal rules of one width, in rows of two cells or more
    (most of them), become a table: they are taken out of the page's lines and stand in as one
    line whose ``table`` holds them."""
    groups: list[list[tuple[float, float, float]]] = []
    for rule in sorted(page.rules, key=lambda rule: rule[2]):
        group = next((g for g in groups if abs(g[0][0] - rule[0]) < 3 and abs(g[0][1] - rule[1]) < 3), None)
        if group is None:
            groups.append([rule])
        elif rule[2] - group[-1][2] > 0.5:
            group.append(rule)
    for group in groups:
        x0, x1, top, bottom = group[0][0], group[0][1], group[0][2], group[-1][2]
        if len(group) < 2 or bottom - top < size:
            continue
        inside = [l for l in page.lines if top < (l.top + l.bottom) / 2 < bottom and l.x0 >= x0 - 2 and l.x1 <= x1 + 2]
        rows = row_groups(inside)
        if len(rows) < 2 or sum(len(row) >= 2 for row in rows) < 0.5 * len(rows):
            continue
        kept = {id(line) for line in inside}
        page.lines = [line for line in page.lines if id(line) not in kept]
        stand_in = Line("", x0, x1, top, bottom, size, page.lines[0].page if page.lines else inside[0].page)
        stand_in.table = [line for row in rows for line in row]
        page.lines.append(stand_in)


def table_rows(lines: list[Line], join=lambda a, b: f"{a} {b}".strip()) -> list[list[str]]:
    """A table's cells: its columns start where the pieces of two rows or more (or of 30 % of
    them) start; a row without a first cell goes on the row above (a cell's wrapped line)."""
    rows = row_groups(lines)
    size = statistics.median(line.size for line in lines)
    starts: list[list[float]] = []
    for x in sorted(line.x0 for line in lines):
        if starts and x - starts[-1][-1] < 0.6 * size:
            starts[-1].append(x)
        else:
            starts.append([x])
    columns = [c[0] for c in starts if len(c) >= min(2, len(rows)) and len(c) >= 0.3 * len(rows)] or [starts[0][0]]
    columns[0] = min(columns[0], starts[0][0])
    table: list[list[str]] = []
    for row in rows:
        cells = [""] * len(columns)
        for line in row:
            column = max(i for i, x in enumerate(columns) if x <= line.x0 + 0.6 * size or i == 0)
            cells[column] = join(cells[column], line.text)
        if table and not cells[0]:
            table[-1] = [join(a, b) for a, b in zip(table[-1], cells)]
        else:
            table.append(cells)
    return table
