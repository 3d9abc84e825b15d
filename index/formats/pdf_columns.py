"""Reading order for the PDF reader (``index.formats.pdf``): the body text's size, the gutter
of a two-column layout, and each page's lines put in the order they are read.

Two columns are found by the gutter that body lines leave empty; each page is cut into bands
at lines that cross it (title, full-width figures and tables), and each band read left column,
then right. A single-column document is read top to bottom; a row's pieces left to right."""

from __future__ import annotations

from collections import Counter

from .pdf_pages import Line, Page


def body_size(pages: list[Page]) -> float:
    """The font size most of the text is set in."""
    sizes: Counter = Counter()
    for page in pages:
        for line in page.lines:
            sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def gutter(pages: list[Page], size: float) -> tuple[float, float] | None:
    """The gap between the columns of a two-column layout: the x range near the middle of the
    text that body lines cover least, when it is (nearly) empty and both sides hold lines."""
    body = [line for page in pages for line in page.lines
            if abs(line.size - size) <= 1 and line.x1 - line.x0 > 3 * size]
    if len(body) < 10:
        return None
    left, right = min(line.x0 for line in body), max(line.x1 for line in body)
    width = int(right - left) + 1
    cover = [0] * (width + 1)
    for line in body:
        cover[int(line.x0 - left)] += 1
        cover[int(line.x1 - left)] -= 1
    running = 0
    for x in range(width + 1):
        running += cover[x]
        cover[x] = running
    lo, hi = int(0.3 * width), int(0.7 * width)
    least = min(cover[lo:hi])
    if least > 0.05 * max(cover):
        return None
    middle = min(range(lo, hi), key=lambda x: (cover[x], abs(x - width / 2)))
    a = b = middle
    while a > lo and cover[a - 1] <= least:
        a -= 1
    while b < hi and cover[b + 1] <= least:
        b += 1
    g0, g1 = left + a, left + b + 1
    on_left = sum(line.x1 <= g0 + 1 for line in body)
    on_right = sum(line.x0 >= g1 - 1 for line in body)
    if min(on_left, on_right) < max(3, 0.05 * len(body)):
        return None
    return g0, g1


def text_edges(pages: list[Page], size: float) -> tuple[float, float]:
    """Where body lines start and end: the text area's left and right."""
    body = [line for page in pages for line in page.lines if abs(line.size - size) <= 1] or \
        [line for page in pages for line in page.lines]
    return (min(line.x0 for line in body), max(line.x1 for line in body)) if body else (0.0, 1.0)


def reading_order(page: Page, gap: tuple[float, float] | None, size: float, edges: tuple[float, float]) -> list[Line]:
    """A page's lines in reading order: in a two-column layout, the page cut into bands at
    lines that cross the gutter (titles, full-width figures) and at white space across the
    page above the body text (authors side by side under a title), and within a band the
    left column, then the right one. Sets each line's ``column`` and ``edge``."""
    if gap is None:
        ordered = _rows(page.lines)
        for line in ordered:
            line.column, line.edge = (0, 0), edges
        return _expand(ordered)
    g0, g1 = gap
    middle = (g0 + g1) / 2
    spanning = _spanning(page.lines, g0, g1)
    bands: list[list[Line]] = []
    spanning_band, body, bottom = None, False, 0.0
    for line in sorted(page.lines, key=lambda line: line.top):
        spans = id(line) in spanning
        if spanning_band and not spans and line.x0 < g0 and line.top - bottom < 0.5 * line.size:
            spans = True  # the short last line of a full-width paragraph
        if not bands or spans != spanning_band or (not body and line.top - bottom > 0.8 * line.size):
            bands.append([])
            spanning_band, body, bottom = spans, False, 0.0
        bands[-1].append(line)
        body = body or (abs(line.size - size) < 0.6 and line.x1 - line.x0 > 12 * size)
        bottom = max(bottom, line.bottom)
    ordered = []
    for number, band in enumerate(bands):
        left = [line for line in band if (line.x0 + line.x1) / 2 < middle]
        right = [line for line in band if (line.x0 + line.x1) / 2 >= middle]
        spans = any(id(line) in spanning for line in band)
        parts = [band] if spans else [left, right]
        for side, part in enumerate(parts):
            if spans:
                edge = (min(line.x0 for line in band), max(line.x1 for line in band))
            else:
                edge = (edges[0], g0) if side == 0 else (g1, edges[1])
            for line in _rows(part):
                line.column, line.edge = (number, side), edge
                ordered.append(line)
    return _expand(ordered)


def _expand(ordered: list[Line]) -> list[Line]:
    """A table's stand-in (``pdf_tables``) replaced by the table's lines, each marked with the
    table: a table is placed as one piece, then read cell by cell."""
    out = []
    for line in ordered:
        if line.table is None:
            out.append(line)
            continue
        for cell in line.table:
            cell.column, cell.edge, cell.table = line.column, line.edge, line.table
            out.append(cell)
    return out


def _spanning(lines: list[Line], g0: float, g1: float) -> set[int]:
    """The lines that cross the gutter: alone, or with the other pieces of their row that a
    wide space parted (a row's pieces stay apart only where the gap is the gutter itself)."""
    spanning: set[int] = set()
    for row in row_groups(lines):
        units = [[row[0]]]
        for a, b in zip(row, row[1:]):
            if a.x1 <= g0 + 1 and b.x0 >= g1 - 1:
                units.append([b])
            else:
                units[-1].append(b)
        for unit in units:
            if unit[0].x0 < g0 - 1 and max(line.x1 for line in unit) > g1 + 1:
                spanning.update(id(line) for line in unit)
    return spanning


def _rows(lines: list[Line]) -> list[Line]:
    """Top to bottom; lines on one row (table cells, split lines) left to right."""
    return [line for row in row_groups(lines) for line in row]


def row_groups(lines: list[Line]) -> list[list[Line]]:
    """The lines in rows, top to bottom, each row's lines left to right."""
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: line.top):
        if rows and line.top - rows[-1][0].top < 0.4 * line.size:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda line: line.x0) for row in rows]
