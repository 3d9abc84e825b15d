"""ODT reader: the OpenDocument text body (``content.xml``) read with lxml directly, through
``limits.parse_xml`` (no entity expansion, no DTD, no network, libxml2's size limits); no
library reads ODF text with structure as simply (odfpy builds its own slower tree and is
only used by the tests, to write files).

``text:h`` (its outline level) becomes a heading (in a list too: numbered headings),
``text:p`` a paragraph, ``text:list`` items (nesting depth; an item's paragraphs joined), ``table:table`` a table, footnotes paragraphs
after the paragraph that cites them, text boxes their paragraphs. Tracked deletions, the
table of contents and indexes, annotations and form controls are left out. The title is
``dc:title`` from ``meta.xml``.
"""

from __future__ import annotations

from ..document_model import ParsedDocument
from . import SkipFile
from .limits import BoundedWriter, check_zip, one_line, parse_xml, read_entry, reading

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_LEFT_OUT = {_TEXT + name for name in ("tracked-changes", "table-of-content", "alphabetical-index",
                                       "illustration-index", "table-index", "object-index", "user-index",
                                       "bibliography", "sequence-decls", "variable-decls", "user-field-decls",
                                       "note-citation", "deletion")} | {_OFFICE + "annotation", _OFFICE + "forms"}
_MAX_REPEAT = 100  # a cell or row "repeated" 1,000 times is a spreadsheet's padding, not content


def read(data: bytes) -> ParsedDocument:
    archive = check_zip(data)
    content = read_entry(archive, "content.xml")
    if content is None:
        raise SkipFile("not an OpenDocument file (no content.xml)")
    with reading("ODT"):
        body = parse_xml(content).find(f"{_OFFICE}body/{_OFFICE}text")
        if body is None:
            raise SkipFile("not an OpenDocument text (no office:text body)")
        writer = BoundedWriter()
        _Body(writer).blocks(body, 0)
        meta = read_entry(archive, "meta.xml")
        title = one_line(parse_xml(meta).findtext(f".//{_DC}title")) if meta else ""
    return writer.result(title=title or None)


class _Body:
    """Writes ODF body elements as blocks; ``depth`` is the enclosing lists' nesting."""

    def __init__(self, writer: BoundedWriter) -> None:
        self.writer = writer

    def blocks(self, parent, depth: int) -> None:
        for element in parent:
            self.block(element, depth)

    def block(self, element, depth: int) -> None:
        tag = element.tag
        if not isinstance(tag, str) or tag in _LEFT_OUT:
            return
        if tag in (_TEXT + "h", _TEXT + "p"):
            asides: list = []  # footnotes and text boxes met inside: written after this block
            text = self.inline(element, asides)
            if tag == _TEXT + "h":
                self.writer.heading(text, _int(element.get(_TEXT + "outline-level")) or 1)
            else:
                self.writer.paragraph(text)
            for aside in asides:
                self.blocks(aside, depth)
        elif tag == _TEXT + "list":
            self.list(element, depth)
        elif tag == _TABLE + "table":
            self.writer.table(self.rows(element))
        else:  # sections, text boxes' frames, soft page breaks, ...: what they hold
            self.blocks(element, depth)

    def list(self, element, depth: int) -> None:
        for item in element:
            if item.tag not in (_TEXT + "list-item", _TEXT + "list-header"):
                continue
            parts, asides = [], []
            for child in item:
                if child.tag == _TEXT + "p":
                    parts.append(self.inline(child, asides))
                    continue
                self._item(parts, depth)  # the item's text so far, then what it holds
                parts = []
                if child.tag == _TEXT + "list":
                    self.list(child, depth + 1)
                else:  # a table, or a numbered heading (outline numbering wraps headings in lists)
                    self.block(child, depth)
            self._item(parts, depth)
            for aside in asides:
                self.blocks(aside, depth)

    def _item(self, parts: list[str], depth: int) -> None:
        if any(part.strip() for part in parts):
            self.writer.item(" ".join(parts), depth)

    def rows(self, table) -> list[list[str]]:
        rows = []
        for row in table.iter(_TABLE + "table-row"):
            if next(row.iterancestors(_TABLE + "table")) is not table:  # a nested table's row
                continue
            cells: list[str] = []
            for cell in row:
                if cell.tag in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
                    text = " ".join(self.inline(p, []) for p in cell.iter(_TEXT + "p", _TEXT + "h"))
                    cells += [text] * min(_int(cell.get(_TABLE + "number-columns-repeated")) or 1, _MAX_REPEAT)
            rows += [cells] * min(_int(row.get(_TABLE + "number-rows-repeated")) or 1, _MAX_REPEAT)
        return rows

    def inline(self, element, asides: list) -> str:
        """A paragraph's text: spans and links opened, spaces/tabs/line breaks as spaces;
        footnote bodies and text boxes are put in ``asides``, left-out parts skipped."""
        parts = [element.text or ""]
        for child in element:
            tag = child.tag
            if tag == _TEXT + "note":
                asides.extend(child.iterfind(_TEXT + "note-body"))
            elif tag == _DRAW + "frame":
                asides.extend(child.iterfind(_DRAW + "text-box"))
            elif tag in (_TEXT + "s", _TEXT + "tab", _TEXT + "line-break"):
                parts.append(" ")
            elif isinstance(tag, str) and tag not in _LEFT_OUT:
                parts.append(self.inline(child, asides))
            parts.append(child.tail or "")
        return "".join(parts)


def _int(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        return 0
