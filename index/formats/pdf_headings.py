"""A PDF's title and heading levels for the PDF reader (``index.formats.pdf``).

The title is the metadata's unless it is a placeholder or a file name, else the largest text
on page 1, written as the level-1 heading either way; large plain text under it (authors,
affiliations) is a paragraph. A heading's level comes from its numbering, else from the rank
of its style (size, weight)."""

from __future__ import annotations

import re
from collections import Counter

from .pdf_blocks import NUMBERED, Piece, prose


def levels(pieces: list[Piece]) -> None:
    """A heading's level: 1 the title; from its numbering (1 → 2, 1.2 → 3, A → 2); else from
    its style (size, weight): the level numbered headings of that style have, else its rank."""
    headings = [p for p in pieces if p.kind == "heading" and p.level != 1]
    style = lambda p: (round(p.lines[0].size), p.lines[0].bold)  # noqa: E731
    known: dict = {}
    for piece in headings:
        numbered = NUMBERED.fullmatch(piece.text)
        if numbered:
            number = numbered.group(1)
            piece.level = min(6, number.count(".") + 2 if number[0].isdigit() else 2)
            known.setdefault(style(piece), Counter())[piece.level] += 1
    ranked = sorted({style(p) for p in headings}, key=lambda s: (-s[0], not s[1]))
    for piece in headings:
        if not piece.level:
            counts = known.get(style(piece))
            piece.level = counts.most_common(1)[0][0] if counts else min(6, ranked.index(style(piece)) + 2)


def title(metadata_title: str, pieces: list[Piece], size: float) -> str | None:
    """The metadata's title unless it is a file name or a placeholder; the largest text on
    page 1 (a quarter larger than the body's or more) becomes the level-1 heading and, without
    a metadata title, the title."""
    first_page = [p for p in pieces if p.page == 0 and p.kind in ("heading", "paragraph")
                  and p.lines[0].size >= 1.25 * size and len(p.text.split()) <= 30]
    top = max(first_page, key=lambda p: p.lines[0].size, default=None)
    if top is not None:
        top.kind, top.level = "heading", 1
    junk = (not re.search(r"[^\W\d_]{3}", metadata_title)
            or metadata_title.lower().startswith(("untitled", "microsoft "))
            or re.search(r"\.(docx?|tex|dvi|pdf|pptx?|indd|qxd|rtf)$", metadata_title, re.IGNORECASE))
    if not junk:
        return " ".join(metadata_title.split())
    return " ".join(top.text.split()) if top is not None else None


def front_matter(pieces: list[Piece]) -> None:
    """Large plain text on page 1 between the title and the body (authors, affiliations) is
    not a heading."""
    for piece in pieces:
        if piece.page > 0 or piece.kind == "paragraph" and prose(piece) and len(piece.lines) > 1:
            break
        if (piece.kind == "heading" and piece.level != 1 and not piece.lines[0].bold
                and not NUMBERED.fullmatch(piece.text)):
            piece.kind = "paragraph"
