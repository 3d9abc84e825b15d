"""Text helpers both sides read: the control-character filter applied to documents, queries
and terminal output, and the form of a chunk that is embedded and tokenized."""

from __future__ import annotations

import re

# C0 controls but tab and newline (ESC among them), C1 controls, zero-width and bidi overrides.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def strip_unsafe(text: str) -> str:
    """Text without control characters: it prints and renders as text, nothing else."""
    return _UNSAFE.sub("", text)


def normalise_text(text: str) -> str:
    """Unify newlines and drop characters that could act on a terminal or a page."""
    return strip_unsafe(text.replace("\r\n", "\n").replace("\r", "\n").replace("\ufeff", ""))


def indexed_text(title: str, section: str, text: str) -> str:
    """What is embedded and tokenized for a chunk: its place in the document, then its text."""
    place = " › ".join(part for part in (title, section) if part)
    text = masked_markup(text)
    return f"{place}\n{text}" if place else text


# Inline markup that is not words: a code span's backticks, bold markers, a link's brackets and
# target ("[text](url)" reads as "text"), a Hugo shortcode. Masked with spaces of the same
# length, so offsets into the masked text are offsets into the source.
_MARKUP = re.compile(r"`+|\*\*|\{\{[<%].*?[%>]\}\}")
_LINK = re.compile(r"(\[)[^\[\]\n]*(\]\((?:[^()\n]|\([^()\n]*\))*\))")


def masked_markup(text: str) -> str:
    """``text`` with inline Markdown markup blanked out, character for character."""
    def blank(match: re.Match) -> str:
        kept = match.group()
        for group in (2, 1):
            a, b = match.span(group)
            a, b = a - match.start(), b - match.start()
            kept = kept[:a] + " " * (b - a) + kept[b:]
        return kept

    return _MARKUP.sub(lambda match: " " * len(match.group()), _LINK.sub(blank, text))
