"""Markdown files: CommonMark with GFM tables, parsed by markdown-it-py.

markdown-it-py is the maintained CommonMark parser (the one Gradio and MyST already use); each
block token carries ``map``, its [start line, end line) in the source, which is what keeps a
block's offsets exact in the file's own text. Raw HTML is never parsed as HTML here: the
``html_block`` rule is off, so such lines are read as the paragraph text they are. YAML front
matter is metadata, not body, and a line that only holds a Hugo shortcode ("{{% note %}}")
is left out of the block around it.
"""

from __future__ import annotations

import re

from ..document_model import (BOLD_HEADING_LEVEL, CODE, HEADING, ITEM, PARAGRAPH, QUOTE, TABLE, Block,
                              ParsedDocument, front_matter)
from .plain import decode, heading_line_level

_SHORTCODE = re.compile(r"[ \t]*\{\{[<%].*?[%>]\}\}[ \t]*")


def read(data: bytes) -> ParsedDocument:
    return parse(decode(data))


def parse(text: str) -> ParsedDocument:
    from markdown_it import MarkdownIt

    body, metadata = front_matter(text)
    parser = MarkdownIt("commonmark", {"html": False}).enable("table")
    lines = _line_starts(text, body)
    blocks: list[Block] = []
    depth = -1
    item_ends: list[int] = []  # where the own text of each open list item ends
    tokens = parser.parse(text[body:])
    closing = _closing_tokens(tokens)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        i += 1
        if token.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif token.type == "list_item_close":
            item_ends.pop()
        if token.map is None:
            continue
        start, end = _span(text, lines, token.map)
        if token.type == "list_item_open":
            own_end = _item_text_end(text, lines, tokens, i - 1, closing, end) if start is not None else end
            item_ends.append(own_end)
            if start is not None:
                joined = bool(blocks) and blocks[-1].kind == ITEM
                blocks.append(Block(ITEM, start, own_end, max(depth, 0), new_paragraph=not joined))
            continue
        if start is None:
            continue
        if token.type == "heading_open":
            blocks.append(Block(HEADING, start, end, int(token.tag[1])))
        elif token.type == "paragraph_open" and (not item_ends or start >= item_ends[-1]):
            blocks.extend(_paragraph_blocks(text, start, end))  # not an item's own text
        elif token.type in ("fence", "code_block"):
            blocks.append(Block(CODE, start, end, info=token.info.strip().split(" ")[0] if token.info else ""))
        elif token.type == "table_open":
            blocks.append(Block(TABLE, start, end))
        elif token.type == "blockquote_open":
            blocks.append(Block(QUOTE, start, end))  # read whole: what is inside it is passed over
            i = closing.get(i - 1, i - 1) + 1
    blocks = _in_order(blocks)
    title = dict(metadata).get("title")
    return ParsedDocument(text, tuple(blocks), title or None, metadata=metadata)


def _closing_tokens(tokens) -> dict[int, int]:
    """The index of each opening token's closing token, found in one pass."""
    closing, open_at = {}, []
    for index, token in enumerate(tokens):
        if token.nesting == 1:
            open_at.append(index)
        elif token.nesting == -1 and open_at:
            closing[open_at.pop()] = index
    return closing


def _item_text_end(text: str, lines: list[int], tokens, index: int, closing: dict[int, int], item_end: int) -> int:
    """Where a list item's own text ends: before its first nested list or code block."""
    for inner in range(index + 1, closing.get(index, index)):
        token = tokens[inner]
        if token.map is not None and token.type in ("bullet_list_open", "ordered_list_open", "fence", "code_block"):
            start, _ = _span(text, lines, token.map)
            if start is not None:
                return _rstrip(text, lines[0], start)
    return item_end


def _paragraph_blocks(text: str, start: int, end: int) -> list[Block]:
    """A paragraph, without its shortcode-only lines (which may part it in two); a paragraph
    that is one all-bold line or "Q: …?" heads what follows it."""
    blocks, run_start = [], None
    cursor = start
    for line in text[start:end].split("\n") + [None]:
        if line is None or _SHORTCODE.fullmatch(line):
            if run_start is not None:
                run_end = _rstrip(text, run_start, cursor - 1 if line is not None else end)
                level = heading_line_level(text[run_start:run_end], markdown=True)
                blocks.append(Block(HEADING, run_start, run_end, BOLD_HEADING_LEVEL) if level == BOLD_HEADING_LEVEL
                              else Block(PARAGRAPH, run_start, run_end))
                run_start = None
        elif run_start is None and line.strip():
            run_start = cursor + len(line) - len(line.lstrip())
        if line is not None:
            cursor += len(line) + 1
    return blocks


def _in_order(blocks: list[Block]) -> list[Block]:
    """Blocks sorted by start, none overlapping the one before it (a block inside another one
    already read whole is dropped)."""
    kept: list[Block] = []
    for block in sorted(blocks, key=lambda b: (b.start, -b.end)):
        if kept and block.start < kept[-1].end:
            continue
        kept.append(block)
    return kept


def _line_starts(text: str, body: int) -> list[int]:
    """Offset of each line of the body (the lines markdown-it counts from 0)."""
    return [body] + [body + m.end() for m in re.finditer("\n", text[body:])]


def _span(text: str, lines: list[int], line_map) -> tuple[int | None, int]:
    first, last = line_map
    start = lines[first] if first < len(lines) else len(text)
    end = lines[last] if last < len(lines) else len(text)
    while start < end and text[start].isspace():
        start += 1
    end = _rstrip(text, start, end)
    return (start, end) if start < end else (None, end)


def _rstrip(text: str, start: int, end: int) -> int:
    while end > start and text[end - 1].isspace():
        end -= 1
    return end
