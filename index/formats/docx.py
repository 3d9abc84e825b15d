"""DOCX reader (python-docx: MIT, maintained, already a dependency; it parses with lxml
without resolving entities). The body's paragraphs and tables in document order: "Heading N"
styles become headings, "Title" the title (where the core properties give none) and a
heading, list styles and numbered paragraphs items (depth from the numbering level), "Quote"
styles quotes. Headers, footers, comments and text inside content controls are left out.
"""

from __future__ import annotations

import io
import re

from ..document_model import ParsedDocument
from .limits import BoundedWriter, check_zip, library, one_line, reading

_HEADING = re.compile(r"Heading (\d)")
_LIST_STYLE = re.compile(r"List(?: Paragraph| Bullet| Number)?(?: (\d))?")  # not "List Continue"


def read(data: bytes) -> ParsedDocument:
    check_zip(data)
    docx = library("docx", "python-docx")
    with reading("DOCX"):
        from docx.table import Table

        document = docx.Document(io.BytesIO(data))
        writer = BoundedWriter()
        title = one_line(document.core_properties.title) or None
        numbers: dict[int, int] = {}  # the next number of a numbered list, by depth
        for block in document.iter_inner_content():  # paragraphs and tables in document order
            if isinstance(block, Table):
                writer.table([[cell.text for cell in row.cells] for row in block.rows])
                numbers.clear()
                continue
            style = (block.style.name if block.style is not None else "") or ""
            item = _list_depth(block, style)
            if item is None:
                numbers.clear()
                title = title or (one_line(block.text) if style == "Title" else None)
                _write_paragraph(writer, block.text, style)
                continue
            number = None
            if "Number" in style:  # a numbered style; other lists are written with "-"
                numbers = {depth: n for depth, n in numbers.items() if depth <= item}  # inner lists restart
                number = numbers.get(item, 1)
                numbers[item] = number + 1
            writer.item(block.text, item, number)
    return writer.result(title=title)


def _write_paragraph(writer: BoundedWriter, text: str, style: str) -> None:
    heading = _HEADING.fullmatch(style)
    if heading or style == "Title":
        writer.heading(text, int(heading.group(1)) if heading else 1)
    elif style in ("Quote", "Intense Quote"):
        writer.quote(text)
    else:
        writer.paragraph(text)


def _list_depth(paragraph, style: str) -> int | None:
    """A list item's depth (0 at the top), or None for a paragraph that is no item: its own
    numbering level (``w:numPr/w:ilvl``), else a list style's number ("List Bullet 2": 1)."""
    properties = paragraph._p.pPr  # python-docx exposes no numbering API: read the XML it holds
    numbering = properties.numPr if properties is not None else None
    if numbering is not None and numbering.numId is not None and numbering.numId.val != 0:
        return numbering.ilvl.val if numbering.ilvl is not None else 0
    list_style = _LIST_STYLE.fullmatch(style)
    if list_style:
        return int(list_style.group(1)) - 1 if list_style.group(1) else 0
    return None
