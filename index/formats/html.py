"""HTML reader: a page's main content as blocks, its ``<title>`` as the title.

Why lxml (``lxml.html``): it is already installed (python-docx and python-pptx parse with
it), libxml2's HTML parser is C (about 10x ``html.parser`` on large pages), it recovers from
broken markup, and it gives a tree: finding ``<main>`` / the one ``<article>`` and leaving out
navigation by its ancestors needs one, which a stream parser would have to rebuild. A
dedicated extractor (trafilatura, readability) would add heavier dependencies and scoring we
cannot make exact; selectolax is faster still but one more compiled dependency for no gain
at our page sizes.

What is kept: headings, paragraphs, lists as items (nesting depth, ``<ol>`` numbers), ``<pre>``
as code (language from ``class="language-x"``), blockquotes as quotes, tables as tables
(layout tables read as flow), definition lists as fields. What is left out: scripts, styles,
hidden elements, ``<nav>``, ``<header>``/``<footer>``/``<aside>`` outside ``<article>``/``<main>``,
landmark roles of navigation, banner and footer, and elements whose class or id says
sidebar, menu, breadcrumb, cookie. Nothing of the page becomes markup: text only.
"""

from __future__ import annotations

import codecs
import re

from ..document_model import DocumentWriter, ParsedDocument
from .html_flat import flat_paragraphs
from .limits import BoundedWriter, one_line, reading

_SKIPPED = {"script", "style", "template", "noscript", "head", "title", "svg", "iframe", "object",
            "embed", "canvas", "select", "button", "datalist", "nav", "audio", "video", "map"}
_LANDMARKS = {"header", "footer", "aside"}  # navigation unless inside <article> / <main>
_ROLES = {"navigation", "banner", "contentinfo", "search"}
_HINT = re.compile(r"(?:^|[-_])(?:sidebar|menu|menubar|navbar|breadcrumbs?|cookies?|skip-link|"
                   r"sr-only|visually-hidden|screen-reader-text|headerlink)(?:$|[-_])", re.IGNORECASE)
_NOT_A_HINT = re.compile(r"^(?:has|with|no|without|is|show|hide)[-_]", re.IGNORECASE)  # "has-sidebar"
_BLOCKS = {"p", "div", "section", "article", "main", "header", "footer", "aside", "figure",
           "figcaption", "details", "summary", "address", "center", "form", "fieldset", "legend",
           "caption", "body", "html", "hr", "hgroup", "search"}
_HEADINGS = {f"h{n}": n for n in range(1, 7)}
_LISTS = {"ul", "ol", "menu", "dir"}
_SPACED = _BLOCKS | set(_HEADINGS) | _LISTS | {"br", "li", "td", "th", "tr", "dt", "dd", "pre", "blockquote", "table"}
_LANGUAGE = re.compile(r"\b(?:language|lang|highlight(?:-source)?)-([\w+#.-]+)", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")  # lxml refuses str input that declares one
_DECLARED = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w:.-]+)|<\?xml[^>]+encoding\s*=\s*["']([\w:.-]+)""",
                       re.IGNORECASE)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
         (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"))
_WINDOWS_1252 = {"iso-8859-1", "latin-1", "latin1", "ascii", "us-ascii", "iso8859-1"}  # as browsers read them


def read(data: bytes) -> ParsedDocument:
    writer = BoundedWriter()
    title = write_html(data, writer)
    return writer.result(title=title)


def write_html(data: bytes, writer: DocumentWriter) -> str | None:
    """Write the main content of the HTML page ``data`` into ``writer`` (EPUB chapters use
    this too); return the page's ``<title>`` text, or None."""
    import lxml.html

    markup = _XML_DECLARATION.sub("", decode_markup(data), count=1)
    markup = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", markup)  # libxml2 refuses control characters
    if not markup.strip():
        return None
    parser = lxml.html.HTMLParser(recover=True, remove_comments=True, remove_pis=True, no_network=True,
                                  huge_tree=False)
    with reading("HTML"):
        try:
            root = lxml.html.document_fromstring(markup, parser=parser)
        except lxml.etree.ParserError:  # "Document is empty": markup without an element
            return None
        titles = root.xpath("//title[not(ancestor::svg)]")
        written = len(writer.blocks)
        _Walker(writer, root).block(_content_root(root))
        if len(writer.blocks) == written and not root.text_content().strip():  # past libxml2's depth cap
            for paragraph in flat_paragraphs(markup):
                writer.paragraph(paragraph)
    return (one_line(titles[0].text_content()) or None) if titles else None



def decode_markup(data: bytes) -> str:
    """HTML or XML bytes as text: a byte-order mark, else the declared charset (``<meta
    charset>``, ``<?xml encoding?>``), else UTF-8, else Windows-1252; never fails."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data[len(bom):].decode(encoding, errors="replace")
    declared = _DECLARED.search(data[:4096])
    if declared:
        name = (declared.group(1) or declared.group(2)).decode("ascii").lower()
        name = "cp1252" if name in _WINDOWS_1252 else "utf-8" if name.startswith(("utf-16", "utf-32")) else name
        try:  # (a UTF-16 page has a byte-order mark; one that says so without is read as browsers do)
            return data.decode(name, errors="replace")
        except LookupError:  # unknown, or not a text encoding ("rot13"): ignore the declaration
            pass
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _content_root(root):
    """The element whose content is the page's: the one ``<main>`` (or role=main), else the
    one ``<article>``, else ``<body>``; one with no text does not count."""
    for candidates in (root.xpath("//main | //*[@role='main']"), root.xpath("//article")):
        candidates = [c for c in candidates if not _hidden(c) and c.text_content().strip()]
        candidates = [c for c in candidates if not any(a in candidates for a in c.iterancestors())]
        if len(candidates) == 1:
            return candidates[0]
    body = root.find("body")
    return body if body is not None else root


def _hidden(element) -> bool:
    style = (element.get("style") or "").replace(" ", "").lower()
    return (element.get("hidden") is not None or element.get("aria-hidden") == "true"
            or "display:none" in style or "visibility:hidden" in style)


class _Filter:
    """Tells navigation, page furniture and hidden elements (left out with all they hold)
    from content, and gives an element's visible text."""

    def __init__(self, root) -> None:
        self._page_chars: int | None = None  # the page's text length, computed when first needed
        self._root = root

    def navigation(self, element) -> bool:
        tag = element.tag
        if not element.attrib:  # most elements: only their tag can tell
            return tag in _SKIPPED or (tag in _LANDMARKS and not any(
                a.tag in ("article", "main") for a in element.iterancestors()))
        if tag in _SKIPPED or _hidden(element):
            return True
        if (element.get("role") or "").strip().lower() in _ROLES:
            return True
        if tag in _LANDMARKS and not any(a.tag in ("article", "main") for a in element.iterancestors()):
            return True
        names = (element.get("class") or "").split() + (element.get("id") or "").split()
        if any(_HINT.search(name) and not _NOT_A_HINT.match(name) for name in names):
            # a wrapper named so ("layout-sidebar" around everything) is not navigation: it is
            # kept when it holds half the page's text or more
            if self._page_chars is None:
                self._page_chars = len(self._root.text_content())
            return len(element.text_content()) * 2 < self._page_chars
        return False

    def text(self, element) -> str:
        """An element's visible text on one line; a block or cell inside it is a space."""
        parts: list[str] = [element.text or ""]

        def collect(node) -> None:
            if isinstance(node.tag, str) and not self.navigation(node):
                space = " " if node.tag in _SPACED else ""
                parts.append(space + (node.text or ""))
                for child in node:
                    collect(child)
                parts.append(space)
            parts.append(node.tail or "")

        for child in element:
            collect(child)
        return " ".join("".join(parts).split())


def _language(pre) -> str:
    """A code block's language from its (or its code's, or its wrapper's) class names."""
    candidates = [pre, *pre.findall("code"), pre.getparent()]
    for element in candidates:
        if element is None:
            continue
        if element.get("data-lang"):
            return element.get("data-lang")
        found = _LANGUAGE.search(element.get("class") or "")
        if found and found.group(1).lower() not in ("default", "none", "text", "plaintext"):
            return found.group(1)
        if "sourceCode" in (element.get("class") or "").split():  # pandoc: class="sourceCode python"
            rest = [name for name in element.get("class").split() if name != "sourceCode"]
            if rest:
                return rest[0]
    return ""


class _Walker:
    """Writes an element tree as blocks. Inline text gathers in ``_text`` until a block
    boundary; where it goes then depends on what encloses it: a paragraph, a blockquote
    (quotes) or a list item (one item, its paragraphs joined)."""

    def __init__(self, writer: DocumentWriter, root) -> None:
        self.writer = writer
        self.filter = _Filter(root)
        self._text: list[str] = []
        self._context: list[tuple] = [("paragraph",)]  # ("quote",) or ("item", depth, number)
        self._depth = 0  # enclosing lists

    def block(self, element) -> None:
        self._element(element)
        self._flush()

    def _element(self, element) -> None:
        tag = element.tag if isinstance(element.tag, str) else ""
        if not tag or self.filter.navigation(element):
            pass
        elif tag in _HEADINGS:
            self._flush()
            self.writer.heading(self.filter.text(element), _HEADINGS[tag])
        elif tag == "pre" or (tag == "code" and "\n" in element.text_content().strip() and not self._pending()):
            self._flush()
            self.writer.code(element.text_content(), _language(element))
        elif tag == "table":
            self._table(element)
        elif tag in _LISTS:
            self._list(element)
        elif tag == "li":  # outside a list: an item all the same
            self._item(element, None)
        elif tag == "dl":
            self._definitions(element)
        elif tag == "blockquote":
            self._flush()
            self._context.append(("quote",))
            self._children(element)
            self._flush()
            self._context.pop()
        elif tag == "br":
            self._break()
        elif tag in _BLOCKS:
            self._break()
            self._children(element)
            self._break()
        else:
            self._children(element)
        self._text.append(element.tail or "")  # what follows an element is its parent's text

    def _children(self, element) -> None:
        self._text.append(element.text or "")
        for child in element:
            self._element(child)

    def _pending(self) -> bool:
        return any(part.strip() for part in self._text)

    def _break(self) -> None:
        """A paragraph boundary: inside a list item only a space (the item stays one)."""
        if self._context[-1][0] == "item":
            self._text.append(" ")
        else:
            self._flush()

    def _flush(self) -> None:
        text, self._text = "".join(self._text), []
        if not text.strip():
            return
        context = self._context[-1]
        if context[0] == "item":
            self.writer.item(text, context[1], context[2])
            self._context[-1] = ("item", context[1], None)  # its text after a nested list: unnumbered
        elif context[0] == "quote":
            self.writer.quote(text)
        else:
            self.writer.paragraph(text)

    def _list(self, element) -> None:
        self._flush()
        number = _int(element.get("start"), 1) if element.tag == "ol" else None
        self._depth += 1
        self._text.append(element.text or "")
        for child in element:
            if child.tag == "li" and not self.filter.navigation(child):
                self._item(child, number)
                self._text.append(child.tail or "")
                number = None if number is None else number + 1
            else:
                self._element(child)
        self._flush()
        self._depth -= 1

    def _item(self, element, number: int | None) -> None:
        self._flush()
        self._context.append(("item", max(self._depth - 1, 0), number))
        self._children(element)
        self._flush()
        self._context.pop()

    def _definitions(self, element) -> None:
        """``<dt>term</dt><dd>definition</dd>`` (grouped in ``<div>``s or not): a field each."""
        self._flush()
        term, definitions = "", []
        for child in [*element.xpath("./dt | ./dd | ./div/dt | ./div/dd"), None]:
            if child is not None and self.filter.navigation(child):
                continue
            if child is None or (child.tag == "dt" and definitions):
                if term:
                    self.writer.field(term, " ".join(definitions))
                elif definitions:
                    self.writer.paragraph(" ".join(definitions))
                term, definitions = "", []
            if child is not None:
                text = self.filter.text(child)
                term, definitions = (f"{term} {text}".strip(), definitions) if child.tag == "dt" \
                    else (term, [*definitions, text])

    def _table(self, table) -> None:
        self._flush()
        rows = [[cell for cell in row if cell.tag in ("td", "th") and not self.filter.navigation(cell)]
                for row in table.xpath("./tr | ./*/tr") if not self.filter.navigation(row)]
        caption = table.find("caption")
        if caption is not None:
            self.writer.paragraph(self.filter.text(caption))
        if max(map(len, rows), default=0) <= 1 or table.xpath(".//table | .//h1 | .//h2 | .//h3 | .//h4"):
            for row in rows:  # a table that lays a page out: its cells are flow
                for cell in row:
                    self._children(cell)
                    self._break()
            return
        self.writer.table([[text for cell in row
                            for text in [self.filter.text(cell)] * min(_int(cell.get("colspan"), 1), 20)]
                           for row in rows])


def _int(value: str | None, default: int) -> int:
    try:
        return max(int((value or "").strip()), 1)
    except ValueError:
        return default
