"""The visible text of an HTML page whose structure cannot be read: libxml2 stops at a nesting
depth of 256 (2,048 with its huge-tree option), so a page nested deeper yields no tree to walk.
Python's ``html.parser`` streams tags without building a tree, so depth costs it nothing."""

from __future__ import annotations

import html.parser

_HIDDEN = {"script", "style", "template", "noscript", "head", "title"}
_BLOCKS = {"p", "div", "li", "section", "article", "main", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
           "pre", "blockquote", "dd", "dt", "br", "tr", "table", "ul", "ol"}


class _FlatText(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._current: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag in _HIDDEN:
            self._hidden += 1
        elif tag in _BLOCKS:
            self._end_paragraph()

    def handle_endtag(self, tag: str) -> None:
        if tag in _HIDDEN:
            self._hidden = max(0, self._hidden - 1)
        elif tag in _BLOCKS:
            self._end_paragraph()

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self._current.append(data)

    def _end_paragraph(self) -> None:
        text = " ".join("".join(self._current).split())
        if text:
            self.paragraphs.append(text)
        self._current = []


def flat_paragraphs(markup: str) -> list[str]:
    """The page's visible text as paragraphs, parted where block elements open or close."""
    parser = _FlatText()
    parser.feed(markup)
    parser.close()
    parser._end_paragraph()
    return parser.paragraphs
