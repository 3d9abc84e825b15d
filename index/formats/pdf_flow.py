"""Text that flows across a column or page break, for the PDF reader (``index.formats.pdf``).

A paragraph, item or listing cut by a column or page break (its last line full or without a
sentence end, and the next column's first line not indented) is joined into one, and the
footnotes, captions and tables on the way are written after it: such a paragraph is cited on
the page where it starts, and a page that only continues one has no block of its own."""

from __future__ import annotations

import re

from .pdf_blocks import SENTENCE_END, Piece
from .pdf_words import Words


def join_continued(pieces: list[Piece], words: Words, heights: list[float]) -> list[Piece]:
    """Joins a paragraph (item, listing, footnote) that a column or page break cut: the next
    column's first one goes on the last one (``_continues``). Captions, tables and footnotes
    between them are written after the joined paragraph."""
    out: list[Piece] = []
    for piece in pieces:
        low = 0.5 * heights[piece.page]
        if (piece.kind == "float" and piece.lines[0].top > low
                and not re.match(r"[\d⁰¹²³⁴⁵⁶⁷⁸⁹*†‡]", piece.text)):
            # a footnote's end at the next column's foot: the page's last footnote goes on
            last = next((i for i in range(len(out) - 1, -1, -1) if out[i].kind == "float"
                         and out[i].page == piece.page and out[i].lines[0].top > low), None)
        else:
            floats = ("caption", "float", "table") if piece.kind != "float" else ("caption", "table")
            last = next((i for i in range(len(out) - 1, -1, -1) if out[i].kind not in floats), None)
        if last is not None and _continues(out[last], piece):
            before = out[last]
            if piece.kind == "code":
                before.text += "\n" + piece.text
            else:
                before.text = words.join(before.text, piece.text)
            before.lines = before.lines + piece.lines
            continue
        out.append(piece)
    return out


def _continues(before: Piece, piece: Piece) -> bool:
    """Whether ``piece``, the first in its column, goes on with ``before`` from the last one."""
    a, b = before.lines[-1], piece.lines[0]
    if (a.page, a.column) == (b.page, b.column) or abs(a.size - b.size) > 0.6:
        return False
    if before.kind == piece.kind == "code":
        return True
    if piece.kind not in ("paragraph", "float") or before.kind not in ("paragraph", "float", "item"):
        return False
    if before.kind == piece.kind == "float" and b.text[:1].isdigit():
        return False  # the next footnote
    if before.kind == "item" and len(before.lines) == 1:
        return not SENTENCE_END.search(before.text)
    if before.kind == "item":  # its text starts where its second line does
        left = before.lines[1].x0 - before.edge[0]
        indented = abs(b.x0 - piece.edge[0] - left) > 0.4 * b.size
    else:  # as far in from its column's left as the lines before (a quotation's are)
        inset = min(line.x0 - line.edge[0] for line in before.lines)
        indented = b.x0 - piece.edge[0] > inset + 0.4 * b.size
    if len(before.lines) == 1 and SENTENCE_END.search(before.text):
        return False  # a one-line paragraph tells nothing of its column's width: its sentence ended
    right = max(line.x1 for line in before.lines) if len(before.lines) > 1 else before.edge[1]
    full = a.x1 >= right - 2 * a.size
    return not indented and (full or not SENTENCE_END.search(before.text))
