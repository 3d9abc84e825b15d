"""Plain text files, and the text decoding every text format shares.

A plain text has no markup to parse, so its blocks come from its layout: paragraphs parted by
blank lines (their wrapped lines one block), a line that starts with a bullet or a number a
list item, a pipe-table run a table, a fenced run code, and a short capitalised line standing
alone without closing punctuation a title line (heading level 0: plain headings nest by
order, not by number). A Markdown-style "#" line is a heading in any text.
"""

from __future__ import annotations

import re

from ..document_model import (BOLD_HEADING_LEVEL, CODE, FIELD, HEADING, ITEM, PARAGRAPH, PLAIN_HEADING_LEVEL, QUOTE,
                              TABLE, Block, ParsedDocument)
from ..sentences import BOLD_LINE as _BOLD_LINE
from ..sentences import CODE as CODE_UNIT
from ..sentences import FIELD as FIELD_UNIT
from ..sentences import ITEM as ITEM_UNIT
from ..sentences import QUESTION_LINE as _QUESTION_LINE
from ..sentences import QUOTE as QUOTE_UNIT
from ..sentences import ROW, layout_units
from . import SkipFile

_ATX_HEADING = re.compile(r"(#{1,6})[ \t]+(.+?)[ \t#]*")
_BULLET = re.compile(r"\s*(?:[•◦▪‣*+-]|\d{1,3}[.)])\s+")


def read(data: bytes) -> ParsedDocument:
    return parse(decode(data))


def decode(data: bytes) -> str:
    """UTF-8 when it is (a BOM dropped), else the encoding charset-normalizer finds if the text
    then reads as some language, else Windows-1252 when it decodes; binary content is refused."""
    if b"\x00" in data[:8192]:
        raise SkipFile("binary content")
    try:
        return data.decode("utf-8").lstrip("\ufeff")
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    best = from_bytes(data[:1_000_000]).best()
    if best is not None and best.coherence > 0:  # a "decoding" of noise reads as no language
        try:
            return data.decode(best.encoding)
        except (UnicodeDecodeError, LookupError):
            pass
    try:  # Windows-1252 last: it decodes nearly any bytes, so it would mangle other encodings
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise SkipFile("not UTF-8 or text in an encoding that could be told") from error


def parse(text: str) -> ParsedDocument:
    markdown = bool(re.search(r"^#{1,6}[ \t]+\S", text, re.MULTILINE))
    blocks: list[Block] = []
    for start, end, kind in layout_units(text):
        lines = text[start:end]
        if kind == CODE_UNIT:
            blocks.append(Block(CODE, start, end, info=lines.split("\n", 1)[0].strip("`~ \t")))
        elif kind == ROW and lines.lstrip().startswith("|"):
            if blocks and blocks[-1].kind == TABLE and "\n\n" not in text[blocks[-1].end:start]:
                blocks[-1] = Block(TABLE, blocks[-1].start, end)  # the table's next row
            else:
                blocks.append(Block(TABLE, start, end))
        elif kind == QUOTE_UNIT:
            blocks.append(Block(QUOTE, start, end))
        elif kind == ITEM_UNIT:
            joined = bool(blocks) and blocks[-1].kind == ITEM and "\n\n" not in text[blocks[-1].end:start]
            depth = (len(lines) - len(lines.lstrip(" \t"))) // 2
            blocks.append(Block(ITEM, start, end, depth, new_paragraph=not joined))
        else:
            alone = _alone(text, start, end)
            level = heading_line_level(lines, markdown, alone)
            if level is None and kind == FIELD_UNIT:
                joined = bool(blocks) and blocks[-1].kind in (FIELD, PARAGRAPH) and "\n\n" not in text[blocks[-1].end:start]
                blocks.append(Block(FIELD, start, end, new_paragraph=not joined))
            elif level is None:
                new = not blocks or "\n\n" in text[blocks[-1].end:start] or blocks[-1].kind == HEADING
                blocks.append(Block(PARAGRAPH, start, end, new_paragraph=new))
            else:
                blocks.append(Block(HEADING, start, end, level))
    return ParsedDocument(text, tuple(blocks))


def _alone(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` is one line with a blank line (or the text's edge) on each
    side; only the lines beside it are read."""
    return "\n" not in text[start:end] and _blank_side(text, start, -1) and _blank_side(text, end, 1)


def _blank_side(text: str, at: int, step: int) -> bool:
    """Whether the text's edge or a blank line is next to ``at`` going ``step`` (-1: back)."""
    newlines = 0
    index = at - 1 if step < 0 else at
    while 0 <= index < len(text):
        char = text[index]
        if char == "\n":
            newlines += 1
            if newlines == 2:
                return True
        elif char not in " \t":
            return False
        index += step
    return True


def heading_line_level(line: str, markdown: bool, alone: bool = True) -> int | None:
    """The heading level a line of text has (None: it is no heading): a "#" line in Markdown;
    an all-bold line or "Q: …?" (``BOLD_HEADING_LEVEL``); otherwise a short, capitalised line
    standing alone without closing punctuation (a plain title line)."""
    if "\n" in line.strip():
        return None
    if _BOLD_LINE.fullmatch(line) or _QUESTION_LINE.fullmatch(line):
        return BOLD_HEADING_LEVEL
    stripped = line.strip()
    atx = _ATX_HEADING.fullmatch(stripped)
    if markdown or atx:
        return len(atx.group(1)) if atx else None
    if not alone or _BULLET.match(line) or len(stripped) > 120 or len(stripped.split()) > 16:
        return None
    if stripped[-1] in ".!?:;,…" or not (stripped[0].isupper() or stripped[0].isdigit()):
        return None
    return PLAIN_HEADING_LEVEL


def heading_name(line: str) -> str:
    """A heading's name: "Version 2.1" of "## Version 2.1", of "**Version 2.1**", of "Q: …?"."""
    bold, question = _BOLD_LINE.fullmatch(line), _QUESTION_LINE.fullmatch(line)
    return bold.group(2).strip() if bold else question.group(1) if question else line.strip().lstrip("#").strip()
