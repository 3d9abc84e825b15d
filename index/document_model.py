"""One structure for every document: its text and the blocks of that text, each with exact
offsets (``text[block.start:block.end]`` is the block as written).

Every format's reader yields a ``ParsedDocument``: Markdown and plain text are parsed where
they stand (offsets into the file's own text); converted formats (HTML, DOCX, PDF, PPTX, XLSX,
ODT, EPUB, notebooks, reST) are written through a ``DocumentWriter``, which lays the blocks out
as Markdown-shaped text ("## Heading", "- item", pipe tables, fenced code) and records each
block as it writes it, so nothing downstream parses markup again. Chunking, sentences, the
lookups and the page read the blocks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HEADING, PARAGRAPH, ITEM, CODE, TABLE, QUOTE, FIELD = "heading", "paragraph", "item", "code", "table", "quote", "field"
BLOCK_KINDS = (HEADING, PARAGRAPH, ITEM, CODE, TABLE, QUOTE, FIELD)
# Heading levels: 1-6 as in Markdown; 0 a plain text's title line; 7 a line that heads what
# follows it below every "#" level (an all-bold line, an FAQ's "Q: …?").
PLAIN_HEADING_LEVEL, BOLD_HEADING_LEVEL = 0, 7


@dataclass(frozen=True)
class Block:
    """A run of the text with one role. ``level``: a heading's level, a list item's nesting
    depth (0 at the top); ``info``: a code block's language; ``new_paragraph``: false for a
    block that continues the one before it (an item of the same list, a table's next row)."""

    kind: str
    start: int
    end: int
    level: int = 0
    info: str = ""
    new_paragraph: bool = True


@dataclass(frozen=True)
class ParsedDocument:
    """A document as read: its text, its blocks in order, the title its format declares, where
    each page (slide, sheet) starts, and metadata that is not body text (front matter, a
    PEP's or an e-mail's header fields)."""

    text: str
    blocks: tuple[Block, ...]
    title: str | None = None
    pages: tuple[int, ...] = ()  # offset where each page / slide / sheet starts
    page_label: str = "page"  # what a page is called when cited: "page", "slide", "sheet"
    metadata: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        for block in self.blocks:
            if block.kind not in BLOCK_KINDS or not 0 <= block.start < block.end <= len(self.text):
                raise ValueError(f"bad block {block} for a text of {len(self.text)} characters")


@dataclass
class DocumentWriter:
    """Builds a ``ParsedDocument`` from a converted format: each call appends one block to the
    text (blocks parted by a blank line; an item after an item, or a table's rows, by a line
    break) and records its offsets. Text is written as given but for white space: runs of
    white space in prose become one space (code keeps its lines)."""

    parts: list[str] = field(default_factory=list)
    blocks: list[Block] = field(default_factory=list)
    pages: list[int] = field(default_factory=list)
    _length: int = 0
    _pages_pending: int = 0

    def heading(self, text: str, level: int = 1) -> None:
        self._add(HEADING, "#" * min(max(level, 1), 6) + " ", _one_line(text), level=level)

    def paragraph(self, text: str) -> None:
        self._add(PARAGRAPH, "", _one_line(text))

    def item(self, text: str, depth: int = 0, number: int | None = None) -> None:
        marker = f"{number}. " if number is not None else "- "
        self._add(ITEM, "  " * depth + marker, _one_line(text), level=depth,
                  joined=bool(self.blocks) and self.blocks[-1].kind == ITEM)

    def code(self, text: str, language: str = "") -> None:
        body = text.strip("\n")
        if body.strip():
            self._add(CODE, "", f"```{_one_line(language)}\n{body}\n```", info=_one_line(language))

    def quote(self, text: str) -> None:
        self._add(QUOTE, "> ", _one_line(text))

    def field(self, label: str, value: str) -> None:
        self._add(FIELD, "", f"{_one_line(label)}: {_one_line(value)}",
                  joined=bool(self.blocks) and self.blocks[-1].kind == FIELD)

    def table(self, rows: list[list[str]]) -> None:
        """A table whose first row is its header; short rows are padded, empty rows left out."""
        rows = [[_one_line(cell).replace("|", "/") for cell in row] for row in rows]
        rows = [row for row in rows if any(row)]
        if not rows:
            return
        width = max(map(len, rows))
        lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
        self._add(TABLE, "", "\n".join([lines[0], "|" + "---|" * width, *lines[1:]]))

    def new_page(self) -> None:
        """What is written next starts a new page (slide, sheet); a page with nothing written
        on it starts where the next one does, so later pages keep their numbers."""
        self._pages_pending += 1

    def result(self, title: str | None = None, page_label: str = "page",
               metadata: tuple[tuple[str, str], ...] = ()) -> ParsedDocument:
        text = "".join(self.parts) + ("\n" if self.parts else "")
        return ParsedDocument(text, tuple(self.blocks), title, tuple(self.pages), page_label, metadata)

    def _add(self, kind: str, prefix: str, body: str, level: int = 0, info: str = "",
             joined: bool = False) -> None:
        if not body.strip():
            return
        separator = ("\n" if joined else "\n\n") if self.parts else ""
        start = self._length + len(separator)
        self.parts.append(separator + prefix + body)
        self.pages.extend([start] * self._pages_pending)
        self._pages_pending = 0
        self._length = start + len(prefix) + len(body)
        self.blocks.append(Block(kind, start, self._length, level, info, not joined))


def _one_line(text: str) -> str:
    return " ".join(text.split())


_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_FRONT_FIELD = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:[ \t]*(.*?)[ \t]*$", re.MULTILINE)


def front_matter(text: str) -> tuple[int, tuple[tuple[str, str], ...]]:
    """Where the body starts after a YAML front matter block, and its top-level ``key: value``
    fields (quotes stripped); ``(0, ())`` when the text has none."""
    match = _FRONT_MATTER.match(text)
    if not match:
        return 0, ()
    fields = tuple((key, value.strip("'\"")) for key, value in _FRONT_FIELD.findall(match.group(1)))
    return match.end(), fields
