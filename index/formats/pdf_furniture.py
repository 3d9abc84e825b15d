"""What the PDF reader (``index.formats.pdf``) leaves out of a page's text: its furniture and
the text of its figures.

Furniture: running headers and footers (the same text with digits masked, the same size and
height, among the first or last three lines of 40 % of the pages), bare page numbers alone on
a page's top or bottom row, and rotated text (an arXiv stamp). Figure text: lines inside drawn
figures (``pdf_graphics``) and the short, sentence-less blocks above a "Figure N:" caption (box
and axis labels outside the drawn shapes); the caption is kept."""

from __future__ import annotations

import re
from collections import Counter

from .pdf_blocks import Piece, prose
from .pdf_pages import Line, Page

_PAGE_NUMBER = re.compile(r"[\W_]*(page\s*)?(#+|[ivxlcdm]+)(\s*(of|/)\s*#+)?[\W_]*", re.IGNORECASE)


def drop_furniture(pages: list[Page]) -> None:
    """Drops the lines that repeat (same text with digits masked, same size, same height on
    the page) among the first or last three lines of at least two pages and 40 % of them,
    bare page numbers ("12", "iv", "Page 3 of 9") on a page's top or bottom row, and rotated
    lines."""
    def key(line: Line) -> str:
        return f"{round(line.size)}:{round(line.top / 3)}:" + " ".join(re.sub(r"\d+", "#", line.text.lower()).split())

    def edges(page: Page) -> list[Line]:
        ordered = sorted(page.lines, key=lambda line: line.top)
        band = 0.15 * page.height
        return [line for line in ordered[:3] if line.top < band] + \
               [line for line in ordered[-3:] if line.bottom > page.height - band and line not in ordered[:3]]

    def page_number(line: Line, page: Page) -> bool:
        top, bottom = min(l.top for l in page.lines), max(l.bottom for l in page.lines)
        outer = line.top - top < 0.5 * line.size or bottom - line.bottom < 0.5 * line.size
        alone = not any(other is not line and line.same_row(other) for other in page.lines)
        return outer and alone and bool(_PAGE_NUMBER.fullmatch(re.sub(r"\d+", "#", line.text.lower())))

    with_text = [page for page in pages if page.lines]
    seen: Counter = Counter()
    for page in with_text:
        seen.update({key(line) for line in edges(page)})
    needed = max(2, 0.4 * len(with_text))
    for page in with_text:
        furniture = {id(line) for line in edges(page) if seen[key(line)] >= needed or page_number(line, page)}
        page.lines = [line for line in page.lines if id(line) not in furniture and not line.rotated]


def mark_figures(page: Page) -> None:
    """Marks the lines whose middle is inside one of the page's figure regions."""
    for line in page.lines:
        cx, cy = (line.x0 + line.x1) / 2, (line.top + line.bottom) / 2
        line.in_figure = any(x0 - 2 <= cx <= x1 + 2 and t - 2 <= cy <= b + 2 for x0, t, x1, b in page.regions)


def drop_figure_text(pieces: list[Piece], gap: tuple[float, float] | None) -> list[Piece]:
    """Leaves out text inside figures and the short, sentence-less blocks above a figure's
    caption in its column (box and axis labels outside the drawn shapes)."""
    dropped = {id(p) for p in pieces if p.kind == "figure"}
    for caption in pieces:
        if caption.kind != "caption" or not re.match(r"fig", caption.text, re.IGNORECASE):
            continue
        c = caption.lines[0]
        if gap is None or (c.x0 < gap[0] - 1 and c.x1 > gap[1] + 1):
            span = (-1e9, 1e9)
        else:
            span = (-1e9, gap[0] + 1) if (c.x0 + c.x1) / 2 < sum(gap) / 2 else (gap[1] - 1, 1e9)
        above = [p for p in pieces if p is not caption and p.lines[-1].bottom <= c.top + 2
                 and min(l.x1 for l in p.lines) > span[0] and max(l.x0 for l in p.lines) < span[1]]
        for piece in sorted(above, key=lambda p: -p.lines[-1].bottom):
            if piece.kind in ("heading", "caption") or prose(piece):
                break
            dropped.add(id(piece))
    return [p for p in pieces if id(p) not in dropped]
