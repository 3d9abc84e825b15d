"""Whether a quote cuts a sentence of its document, by a plain rule that needs no segmenter:
inside one paragraph, a quote that ends without . ! ? : ; while the paragraph goes on, or
starts right after a letter, digit or comma. A paragraph ends at a blank line or at a line
that starts another block (a list item, a table row, a heading, a code fence, a quote, a
field line such as "Author: …")."""

from __future__ import annotations

import re

_STARTS = r"[ \t]*(?:[•◦▪‣*+-][ \t]|\d{1,3}[.)][ \t]|\||#{1,6}[ \t]|```|~~~|>|[A-Z][A-Za-z]+(?:[ -][A-Za-z]+){0,2}:[ \t])"
_BLOCK_START = re.compile(r"\n(?:[ \t]*\n|" + _STARTS + ")")  # a blank line, or a line opening a block or a field
_OPENS_BLOCK = re.compile(_STARTS)
_CLOSING = "\"'”’)]*_`"


def cuts_sentence(text: str, start: int, end: int) -> bool:
    """Whether ``text[start:end]`` starts or ends inside a sentence of its paragraph."""
    return _ends_inside(text, start, end) or _starts_inside(text, start)


def _ends_inside(text: str, start: int, end: int) -> bool:
    quote = text[start:end].rstrip()
    if quote.endswith(("```", "~~~", "|")):
        return False  # a code block or a table row ends where its block does
    if quote.rstrip(_CLOSING)[-1:] in tuple(".!?:;…"):
        return False
    rest = text[end:]
    boundary = _BLOCK_START.search(rest)
    return bool((rest[:boundary.start()] if boundary else rest).strip())


def _starts_inside(text: str, start: int) -> bool:
    if _OPENS_BLOCK.match(text, start):
        return False
    before = text[:start]
    previous = before.rstrip()
    if not previous or _BLOCK_START.search(before[len(previous) - 1:] + text[start:start + 1]):
        return False  # the quote opens its paragraph or block
    return previous[-1].isalnum() or previous[-1] == ","
