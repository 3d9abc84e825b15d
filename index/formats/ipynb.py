"""Jupyter notebook reader: the notebook's JSON (``json.loads``; nothing in it is ever
executed or unpickled), its markdown and code cells in order; outputs and raw cells are
left out. Notebook format 4 (``cells``) and 3 (``worksheets[].cells``).

Markdown cells are read line by line, simply: ``#`` lines are headings, ``-``/``*``/``+``/``1.``
lines items (depth from their indent, a following line continuing the item), ``>`` lines
quotes, fenced blocks code, other runs of lines paragraphs; inline markup is kept as written.
Code cells are code in the notebook's language (``metadata.kernelspec.language``, else
``metadata.language_info.name``). The title is ``metadata.title`` where a notebook has one.
"""

from __future__ import annotations

import json
import re

from ..document_model import DocumentWriter, ParsedDocument
from . import SkipFile
from .limits import BoundedWriter, one_line, reading

_HEADING = re.compile(r"(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")
_ITEM = re.compile(r"( *)(?:[-*+]|(\d{1,9})[.)])\s+(.*)")
_FENCE = re.compile(r"\s{0,3}(```+|~~~+)\s*([\w+#.-]*)")


def read(data: bytes) -> ParsedDocument:
    with reading("notebook"):
        try:
            notebook = json.loads(data)
        except ValueError as error:  # JSONDecodeError, or bytes that are no Unicode
            raise SkipFile("not a notebook (invalid JSON)") from error
        if not isinstance(notebook, dict):
            raise SkipFile("not a notebook (no cells)")
        metadata = _dict(notebook.get("metadata"))
        language = (_dict(metadata.get("kernelspec")).get("language")
                    or _dict(metadata.get("language_info")).get("name"))
        cells = notebook.get("cells")
        if cells is None:  # format 3
            cells = [cell for sheet in _list(notebook.get("worksheets")) for cell in _list(_dict(sheet).get("cells"))]
        writer = BoundedWriter()
        for cell in map(_dict, _list(cells)):
            source = _source(cell.get("source", cell.get("input")))
            if cell.get("cell_type") == "markdown":
                write_markdown_lines(source, writer)
            elif cell.get("cell_type") == "code":
                writer.code(source, language if isinstance(language, str) else "")
        title = metadata.get("title")
    return writer.result(title=one_line(title) or None if isinstance(title, str) else None)


def write_markdown_lines(source: str, writer: DocumentWriter) -> None:
    """Markdown written line by line (see the module's note): enough for a notebook's prose."""
    block: tuple | None = None  # ("paragraph" | "quote" | "item", depth, number) being gathered
    lines: list[str] = []
    fence: tuple[str, str] | None = None  # an open code fence and its language
    for line in source.splitlines():
        if fence:
            if line.strip().startswith(fence[0]):
                writer.code("\n".join(lines), fence[1])
                fence, lines = None, []
            else:
                lines.append(line)
            continue
        opening, heading, item = _FENCE.match(line), _HEADING.match(line.strip()), _ITEM.fullmatch(line)
        if not line.strip() or opening or heading or item or line.lstrip().startswith(">") != (block == ("quote",)):
            _write(writer, block, lines)
            block, lines = None, []
        if opening:
            fence = opening.group(1), opening.group(2)
        elif heading:
            writer.heading(heading.group(2), len(heading.group(1)))
        elif item:
            block, lines = ("item", len(item.group(1)) // 2, _number(item.group(2))), [item.group(3)]
        elif line.lstrip().startswith(">"):
            block = ("quote",)
            lines.append(line.lstrip()[1:])
        elif line.strip():
            block = block or ("paragraph",)
            lines.append(line)
    if fence:
        writer.code("\n".join(lines), fence[1])  # a fence never closed runs to the cell's end
    else:
        _write(writer, block, lines)


def _write(writer: DocumentWriter, block: tuple | None, lines: list[str]) -> None:
    text = " ".join(lines)
    if block is None or not text.strip():
        return
    if block[0] == "item":
        writer.item(text, block[1], block[2])
    elif block[0] == "quote":
        writer.quote(text)
    else:
        writer.paragraph(text)


def _number(digits: str | None) -> int | None:
    return int(digits) if digits else None


def _source(value) -> str:
    """A cell's source: a string, or (as saved) a list of lines that keep their newlines."""
    if isinstance(value, list):
        return "".join(part for part in value if isinstance(part, str))
    return value if isinstance(value, str) else ""


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []
