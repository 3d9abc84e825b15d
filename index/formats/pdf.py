"""PDF: the text of a PDF's pages in reading order, as headings, paragraphs, list items,
captions, tables and code, with the page where each starts.

The characters, their boxes, fonts and the drawn objects come from pdfium through pypdfium2
(Apache-2.0 / BSD-3-Clause; not PyMuPDF, AGPL): it infers the spaces TeX never writes (no
"runningoninexpensive"), marks what it takes for line-end hyphens, and gives each character's
box, font size, weight and font name (bold, monospaced). Why it and not pdfminer.six or pypdf:
bench/README.md, "PDF reader: the choice of pypdfium2". The layout is ours, one step a module:

- ``pdf_pages``: pdfium's lines, cut again at a gap as wide as a gutter or a table's column,
  ligatures split and compatibility forms folded, note marks raised (``pdf_graphics``: the
  figure regions and horizontal rules drawn on each page);
- ``pdf_furniture``: running headers, footers, page numbers and rotated text dropped, and
  figure text (lines inside figures, labels above a "Figure N:" caption) left out;
- ``pdf_columns``: two columns found by their gutter, each page read band by band, left
  column then right;
- ``pdf_tables``: lines between horizontal rules of one width, in rows of cells, as a table;
- ``pdf_blocks``: lines grouped into blocks, each a heading, paragraph, item, caption, table,
  listing or footnote; ``pdf_words``: a block's lines joined, a line-end hyphen kept or dropped;
- ``pdf_headings``: the title and each heading's level;
- ``pdf_flow``: a paragraph cut by a column or page break joined, cited on the page where it
  starts.

Bounded: at most MAX_PAGES pages and MAX_CHARS characters are read (the rest of a longer file
is left out), and 4,000 drawn objects a page; anything pdfium or the layout cannot read raises
SkipFile.
"""

from __future__ import annotations

import re

from ..document_model import DocumentWriter, ParsedDocument
from . import SkipFile
from .pdf_blocks import BULLETS, ITEM, Piece, classify, group_blocks, line_step
from .pdf_columns import body_size, gutter, reading_order, text_edges
from .pdf_flow import join_continued
from .pdf_furniture import drop_figure_text, drop_furniture, mark_figures
from .pdf_headings import front_matter, levels, title
from .pdf_pages import RawDocument, extract
from .pdf_tables import find_tables
from .pdf_words import Words

MAX_PAGES = 2000
MAX_CHARS = 5_000_000


def read(data: bytes) -> ParsedDocument:
    """The document in ``data`` (a PDF's bytes), or SkipFile saying why it cannot be read."""
    try:
        raw = extract(data, MAX_PAGES, MAX_CHARS)
    except ImportError as error:
        raise SkipFile("pypdfium2 is not installed") from error
    except Exception as error:  # pdfium raises PdfiumError, ctypes and value errors on bad files
        reason = "password-protected" if "password" in str(error).lower() else type(error).__name__
        raise SkipFile(f"unreadable PDF ({reason})") from error
    try:
        return _build(raw)
    except Exception as error:  # a layout this reader cannot follow: the file is skipped, said why
        raise SkipFile(f"unreadable PDF ({type(error).__name__} in its layout)") from error


def _build(raw: RawDocument) -> ParsedDocument:
    """The steps the module docstring lists, in order. The body size, gutter, text edges and
    words are the whole document's, found before any page is cut into blocks: one page is too
    little to tell them."""
    pages = raw.pages
    drop_furniture(pages)
    size = body_size(pages)
    gap = gutter(pages, size)
    edges = text_edges(pages, size)
    words = Words(pages)
    ordered_pages = []
    for page in pages:
        find_tables(page, size)
        mark_figures(page)
        ordered_pages.append(reading_order(page, gap, size, edges))
    step = line_step([line for ordered in ordered_pages for line in ordered], size)
    pieces: list[Piece] = []
    for ordered in ordered_pages:
        page_pieces = [classify(group, words, size) for group in group_blocks(ordered, step, size)]
        pieces.extend(drop_figure_text(page_pieces, gap))
    document_title = title(raw.metadata_title, pieces, size)
    front_matter(pieces)
    levels(pieces)
    return _write(join_continued(pieces, words, [page.height for page in pages]), len(pages), document_title)


def _write(pieces: list[Piece], page_count: int, document_title: str | None) -> ParsedDocument:
    """The pieces as the document's blocks, each on its page; every page read gets a page
    break, empty ones too, so that citations count pages as the PDF does."""
    writer, current = DocumentWriter(), -1
    for piece in pieces:
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
                writer.item(ITEM.sub("", text, count=1) if text[:1] in BULLETS else text)
        else:
            writer.paragraph(text)
    while current < page_count - 1:  # empty pages at the end (not those past the cap)
        writer.new_page()
        current += 1
    return writer.result(document_title, page_label="page")
