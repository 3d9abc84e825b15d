"""The one place citations are built: exact spans of a passage's document, with lines and page."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from qa.records import Citation, Hit

Source = tuple[Hit, int, int, str, int, int]  # passage, [start, end) in its document, quote, first and last line


def lines_of(hit: Hit, start: int, end: int) -> tuple[int, int]:
    """The 1-based first and last line of ``[start, end)``, a span of ``hit``'s document
    inside the passage."""
    return (hit.line_start + hit.text.count("\n", 0, start - hit.start),
            hit.line_start + hit.text.count("\n", 0, end - 1 - hit.start))


def source(hit: Hit, start: int, end: int) -> Source:
    """A span of the passage ``hit`` (document offsets) as a citation's source."""
    return (hit, start, end, hit.text[start - hit.start:end - hit.start], *lines_of(hit, start, end))


def cite(sources: Sequence[Source], page_at: Callable[[str, int], int | None], first: int = 1) -> list[Citation]:
    """``sources`` as citations numbered from ``first``, each with the page it starts on."""
    return [Citation(n, hit.doc, hit.title, hit.section, start, end, first_line, last_line, hit.chunk_id, quote,
                     page_at(hit.doc, start))
            for n, (hit, start, end, quote, first_line, last_line) in enumerate(sources, start=first)]
