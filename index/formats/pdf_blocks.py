"""Blocks for the PDF reader (``index.formats.pdf``): a page's ordered lines grouped into
blocks, and each block told apart as a heading, paragraph, list item, caption, table, code,
small text (a footnote) or figure text.

A new block starts after a wider gap than the usual line step, at a change of size, weight or
monospacing, at an indented first line, a bullet, a number ("3.") or a caption. Monospaced
blocks set off from the prose are code, indented as drawn. A heading stands out by size or
weight against the body text, or is a numbered title-case line ("2.1 Design")."""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass

from .pdf_pages import Line
from .pdf_tables import table_rows
from .pdf_words import Words

BULLETS = "•◦▪‣∙·●■–"  # a list item's mark at the start of its text
ITEM = re.compile(r"([•◦▪‣∙·\u2022\u25e6\u25aa\u2023\u2219\u25cf\u25a0\u2013]|\(?[a-z\d]\))\s+(?=\S)")
ENUMERATED = re.compile(r"(\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s|\((\d{1,2}|[a-z]|[ivx]{1,4})\)\s")
NUMBERED = re.compile(r"((?:\d+\.)*\d+|[A-Z]|[IVX]+)\.?\s+(\S.*)")  # a numbered heading: "2.1 Design"
CAPTION = re.compile(r"(Figure|Fig\.|Table|Listing|Algorithm|Exhibit)\s*[\dIVX]+[a-z]?\s*[:.|]", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
_BULLET = re.compile(r"[•◦▪‣∙·●■]\s")
_MINOR = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "via", "with", "vs"}


@dataclass
class Piece:
    """A block of lines and what it is."""
    kind: str  # heading, paragraph, item, caption, table, code, float (a footnote, small text), figure
    lines: list[Line]
    text: str
    edge: tuple[float, float]  # its column's left and right
    level: int = 0
    rows: list | None = None  # a table's cells

    @property
    def page(self) -> int:
        return self.lines[0].page


def line_step(lines: list[Line], size: float) -> float:
    """The usual distance from one body line's top to the next one's in a column."""
    steps = [b.top - a.top for a, b in zip(lines, lines[1:])
             if a.column == b.column and abs(a.size - size) < 0.6 and abs(b.size - size) < 0.6 and b.top > a.top]
    return statistics.median(steps) if steps else 1.2 * size


def group_blocks(ordered: list[Line], step: float, body: float) -> list[list[Line]]:
    """Consecutive lines of one column grouped into blocks (paragraphs, headings, captions):
    a new block after a wider gap than the usual line step, at a change of font size or
    weight, at an indented first line, at a bullet or a caption, after a list item at a line
    left of its text, or after a short line that ends a sentence. Marks the lines of code."""
    for prev, line in zip([None] + ordered, ordered):  # code: monospaced lines set off from the prose
        line.code = line.mono and (prev is None or prev.code or prev.column != line.column
                                   or line.top - prev.top > 1.2 * step)
    blocks: list[list[Line]] = []
    for line in ordered:
        if blocks and not _starts_block(blocks[-1], line, step, body):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def _starts_block(block: list[Line], line: Line, step: float, body: float) -> bool:
    prev = block[-1]
    if line.table is not prev.table:
        return True
    if line.table is not None:
        return False
    if line.column != prev.column or line.in_figure != prev.in_figure or line.code != prev.code:
        return True
    if line.code:  # a listing is one block, blank lines and all
        return line.top < prev.top - 0.4 * line.size or line.top - prev.top > 2.6 * step
    if line.same_row(prev):
        return False
    size = max(line.size, prev.size)
    left, right = line.edge
    if line.top - prev.top > 1.3 * step * max(1.0, size / body) + 0.5:
        return True
    if line.top < prev.top or abs(line.size - prev.size) > 0.8 or line.bold != prev.bold:
        return True
    if _BULLET.match(line.text) or CAPTION.match(line.text):
        return True
    if ENUMERATED.match(line.text) and (SENTENCE_END.search(prev.text) or line.x0 < prev.x0 - 0.4 * size):
        return True
    second = next((l for l in block if l.top - block[0].top > 0.4 * l.size), None)
    if (_BULLET.match(block[0].text) or ENUMERATED.match(block[0].text)) and second is not None \
            and line.x0 < second.x0 - 0.4 * size:
        return True  # the text after a list item
    if (prev.x0 <= left + 0.4 * size and line.x0 - prev.x0 > 0.5 * size and line.x0 - left < 6 * size
            and not line.bold and abs(line.size - prev.size) < 0.6 and not ENUMERATED.match(block[0].text)):
        return True  # an indented first line (not a heading's second line, after its number)
    width = right - left
    return bool(prev.x1 < right - 0.25 * width and SENTENCE_END.search(prev.text)
                and line.text[:1].isupper() and abs(line.x0 - prev.x0) < 0.4 * size)


def classify(group: list[Line], words: Words, size: float) -> Piece:
    """A block of lines as a piece: its text (a table's cells, a listing's rows) and kind."""
    edge = group[0].edge
    if group[0].table is not None:
        piece = Piece("table", group, "", edge)
        piece.rows = table_rows(group, words.join)
        return piece
    if group[0].code:
        return Piece("code", group, _code(group), edge)
    text = group[0].text
    for prev, line in zip(group, group[1:]):
        text = words.join(text, line.text, same_row=line.same_row(prev))
    first = group[0]
    piece = Piece("paragraph", group, text, edge)
    if group[0].in_figure and not CAPTION.match(text) and not prose(piece):
        piece.kind = "figure"
    elif CAPTION.match(text):
        piece.kind = "caption"
    elif _is_heading(group, text, size):
        piece.kind = "heading"
    elif ITEM.match(text) and text[:1] in BULLETS or ENUMERATED.match(text):
        piece.kind = "item"
    elif first.size < size - 0.8:
        piece.kind = "float"
    return piece


def _code(lines: list[Line]) -> str:
    """A listing's lines, each indented by its distance from the leftmost one in characters
    (spaces inside a line are single: the extractor's)."""
    widths = [(l.x1 - l.x0) / len(l.text) for l in lines if " " not in l.text and len(l.text) > 2]
    width = sorted(widths)[len(widths) // 2] if widths else 0.5 * lines[0].size
    left = min(l.x0 for l in lines)
    rows: list[str] = []
    for prev, line in zip([None] + lines, lines):
        if prev is not None and line.same_row(prev):
            rows[-1] += " " + line.text
            continue
        if prev is not None and line.top - prev.top > 1.8 * line.size:
            rows.append("")  # a blank line in the listing
        rows.append(" " * round((line.x0 - left) / max(width, 0.1)) + line.text)
    return "\n".join(rows)


def prose(piece: Piece) -> bool:
    """Reads like sentences: six words or more ending a sentence, or full lines of words."""
    count = len(piece.text.split())
    if count >= 6 and SENTENCE_END.search(piece.text):
        return True
    return len(piece.lines) >= 2 and count / len(piece.lines) >= 7


def _is_heading(group: list[Line], text: str, size: float) -> bool:
    first, count = group[0], len(text.split())
    rows = 1 + sum(b.top - a.top > 0.4 * b.size for a, b in zip(group, group[1:]))
    if rows > 3 or count > 16 or text[-1:] in ".,;" and not text.endswith("..."):
        return False
    if first.size >= size + max(0.9, 0.1 * size):
        return True
    bold = sum(len(line.text) for line in group if line.bold) >= 0.7 * sum(len(line.text) for line in group)
    if bold and rows <= 2 and count <= 12 and first.size >= size - 2.1:
        return True  # a bold line, up to a size smaller than the body's ("Abstract")
    numbered = NUMBERED.fullmatch(text)
    if numbered and rows == 1 and count <= 10 and first.size >= size - 0.6 and not re.search(r"\d", numbered.group(2)):
        rest = [w for w in re.findall(r"[^\W\d_][\w'’-]*", numbered.group(2)) if w.lower() not in _MINOR]
        return bool(rest) and all(w[0].isupper() for w in rest)
    return False
