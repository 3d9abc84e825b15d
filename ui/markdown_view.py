"""Document text shown as the Markdown it is, safely: inline code, emphasis, list items,
tables and code blocks formatted, a cited span highlighted, and nothing of the document ever
rendered as HTML.

Inline Markdown is rendered by markdown-it-py with raw HTML off (a tag in a document is shown
as the text it is), links shown as their text only (no ``href``: a ``javascript:`` link or a
tracking URL never becomes clickable) and images as their alt text. The layout (paragraphs,
items, rows, code) comes from ``index.sentences.layout_units``, the same units answers quote,
so a highlight always covers whole units or a sentence inside one.
"""

from __future__ import annotations

import html
import re
from functools import lru_cache

from index.sentences import CODE, ITEM, ROW, layout_units, unwrapped

_ITEM_MARKER = re.compile(r"[ \t]*(?:[•◦▪‣*+-]|\d{1,3}[.)])[ \t]+")
_HEADING = re.compile(r"[ \t]*(#{1,6})[ \t]+")
_RULE_ROW = re.compile(r"[ \t]*\|?[ \t:\-|]+\|?[ \t]*")


@lru_cache(maxsize=1)
def _inline_renderer():
    from markdown_it import MarkdownIt

    renderer = MarkdownIt("commonmark", {"html": False, "linkify": False})

    def nothing(self, tokens, idx, options, env):
        return ""

    def alt_text(self, tokens, idx, options, env):
        return html.escape(tokens[idx].content)

    renderer.add_render_rule("link_open", nothing)
    renderer.add_render_rule("link_close", nothing)
    renderer.add_render_rule("image", alt_text)
    return renderer


MARKDOWN_SUFFIXES = (".md", ".markdown", ".ipynb")  # documents whose inline text is Markdown (reST's is read as text)


def is_markdown(doc: str) -> bool:
    """Whether ``doc``'s inline text is rendered as Markdown (a plain text's "*" stays a star)."""
    return doc.lower().endswith(MARKDOWN_SUFFIXES)


def inline_html(text: str, markdown: bool = True) -> str:
    """One paragraph's inline Markdown (or plain text) as safe HTML, its wrapped lines joined."""
    if not markdown or not text.strip():
        return html.escape(unwrapped(text), quote=False)
    return _inline_renderer().renderInline(unwrapped(text))


def passage_html(text: str, cited: tuple[int, int] | None = None, markdown: bool = True) -> str:
    """``text`` (a passage of a document) as safe HTML, ``text[cited[0]:cited[1]]`` marked;
    ``markdown``: whether inline text is Markdown."""
    parts: list[str] = []
    rows: list[tuple[str, bool]] = []
    for start, end, kind in layout_units(text):
        marked = cited is not None and start < cited[1] and cited[0] < end
        if kind == ROW and text[start:end].lstrip().startswith("|"):
            rows.append((text[start:end], marked))
            continue
        if rows:
            parts.append(_table(rows, markdown))
            rows = []
        if kind == CODE:
            parts.append(_code(text[start:end], marked))
        else:
            parts.append(_prose(text, start, end, kind, cited if marked else None, markdown))
    if rows:
        parts.append(_table(rows, markdown))
    return "".join(parts)


def _prose(text: str, start: int, end: int, kind: str, cited: tuple[int, int] | None, markdown: bool) -> str:
    unit = text[start:end]
    marker = _ITEM_MARKER.match(unit) if kind == ITEM else None
    heading = _HEADING.match(unit) if kind == ROW else None
    skip = (marker or heading).end() if (marker or heading) else 0
    body_start = start + skip
    if cited is None:
        body = inline_html(text[body_start:end], markdown)
    else:
        a, b = max(cited[0], body_start), min(cited[1], end)
        body = (inline_html(text[body_start:a], markdown) + f" <mark>{inline_html(text[a:b], markdown)}</mark> "
                + inline_html(text[b:end], markdown))
    if marker:
        depth = (len(unit) - len(unit.lstrip())) // 2
        bullet = html.escape(marker.group().strip()) if marker.group().strip()[0].isdigit() else "•"
        return f"<div class='cq-item' style='margin-left:{1 + depth}em'>{bullet} {body}</div>"
    if heading:
        return f"<div class='cq-heading'>{body}</div>"
    return f"<p class='cq-para'>{body}</p>"


def _code(block: str, marked: bool) -> str:
    lines = block.split("\n")
    language = lines[0].strip().strip("`~").strip()
    closed = len(lines) > 1 and lines[-1].strip().startswith(("```", "~~~"))
    code = "\n".join(lines[1:-1] if closed else lines[1:])
    label = f"<span class='cq-lang'>{html.escape(language)}</span>" if language else ""
    return (f"<div class='cq-codeblock{' cq-marked' if marked else ''}'>{label}"
            f"<pre><code>{html.escape(code)}</code></pre></div>")


def _table(rows: list[tuple[str, bool]], markdown: bool) -> str:
    body = []
    header = len(rows) > 1 and _RULE_ROW.fullmatch(rows[1][0]) is not None
    for i, (row, marked) in enumerate(rows):
        if _RULE_ROW.fullmatch(row):
            continue
        cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
        tag = "th" if header and i == 0 else "td"
        cls = " class='cq-marked'" if marked else ""
        body.append(f"<tr{cls}>" + "".join(f"<{tag}>{inline_html(c, markdown)}</{tag}>" for c in cells) + "</tr>")
    return f"<table class='cq-table'>{''.join(body)}</table>"
