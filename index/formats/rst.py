"""reStructuredText reader (docutils: the reference parser, public domain / BSD; Sphinx is
built on it). Parsed to a doctree with everything that could reach outside the text turned
off (no config files, no file insertion or ``include``, no ``raw``, no messages printed or
raised), then walked:

- section titles are headings (level by depth), paragraphs paragraphs, bullet and enumerated
  lists items (nesting; an item's paragraphs joined), literal and ``code`` blocks code
  (language from the block's classes), doctests code ("pycon"), tables tables;
- field lists and the docinfo block are fields (the docinfo also metadata); a leading
  RFC 2822 header block (a PEP's "PEP: 8 / Title: ... / Author: ...") is written as fields at
  the top, kept as metadata too, its "Title" the document's title (else docutils' title);
- definition lists are "term: definition" fields, option lists "option: description";
- admonitions are paragraphs that start "Note: " ("Warning: ", ...), block quotes quotes;
- comments, targets, substitution definitions, a "contents" topic and docutils' messages are
  left out, and inline markup is plain text (``x`` → x, :pep:`8` → PEP 8, `text <url>`_ →
  text; Sphinx roles docutils does not know, such as :ref:`text <label>`, → text).
"""

from __future__ import annotations

import functools
import io
import re

from ..document_model import DocumentWriter, ParsedDocument
from .html import decode_markup
from .limits import BoundedWriter, library, one_line, reading

_SETTINGS = {
    "_disable_config": True,  # no docutils.conf from the working folder or home
    "file_insertion_enabled": False,  # no include, no file/url options, no image size reads
    "raw_enabled": False,
    "report_level": 5, "halt_level": 5,  # messages are neither printed nor raised
    "traceback": True,  # errors raise (never sys.exit)
    "syntax_highlight": "none",  # code stays one text node, no Pygments
    "smart_quotes": False,
    "input_encoding": "unicode",
    "line_length_limit": 10_000,
    "doctitle_xform": True,
}
_HEADER_FIELD = re.compile(r"([A-Za-z][\w-]*):[ \t]*(.*)")
_ROLE = re.compile(r":[\w.:+-]+:`~?!?(.*?)(?:\s*<[^<>]*>)?`", re.DOTALL)  # an unknown role, as written
_LINK = re.compile(r"`([^`<]*?)\s*<[^<>`]*>`__?")  # `text <url>`_ in a header field


def read(data: bytes) -> ParsedDocument:
    library("docutils", "docutils")
    from docutils.core import publish_doctree

    _register_code_directive()
    text = decode_markup(data).replace("\r\n", "\n")
    header, body = _header(text)
    with reading("reStructuredText"):
        doctree = publish_doctree(body, settings_overrides=dict(_SETTINGS, warning_stream=io.StringIO()))
        writer = BoundedWriter()
        for name, value in header:
            writer.field(name, value)
        walker = _Walker(writer)
        walker.children(doctree, 1 if doctree.next_node(_title_of_document) is None else 2)  # sections' level
    title = next((value for name, value in header if name.lower() == "title"), "") or walker.title
    return writer.result(title=one_line(title) or None, metadata=tuple(header) + tuple(walker.metadata))


def _header(text: str) -> tuple[list[tuple[str, str]], str]:
    """A leading RFC 2822 block ("Key: value" lines, values continued on indented lines, at
    least two fields, ended by a blank line) as fields, and the text after it; ``([], text)``
    where the text has none."""
    fields: list[tuple[str, str]] = []
    lines = text.split("\n")
    for number, line in enumerate(lines):
        if not line.strip():
            return (fields, "\n".join(lines[number:])) if len(fields) >= 2 else ([], text)
        field = _HEADER_FIELD.fullmatch(line)
        if field:
            fields.append((field.group(1), _plain(field.group(2))))
        elif line[:1] in (" ", "\t") and fields:
            fields[-1] = (fields[-1][0], f"{fields[-1][1]} {_plain(line)}".strip())
        else:
            return [], text
    return [], text


@functools.cache  # once per process
def _register_code_directive() -> None:
    """docutils' ``code`` directive puts its language among the block's classes, where a
    ``:class:`` option's names go too (PEP 8's ``.. code-block::`` + ``:class: good``): this
    subclass also records the language as it was given, in a ``language`` attribute."""
    from docutils.parsers.rst import directives
    from docutils.parsers.rst.directives.body import CodeBlock

    class Code(CodeBlock):
        def run(self):
            made = super().run()
            if self.arguments and made:
                made[0]["language"] = self.arguments[0]
            return made

    for name in ("code", "code-block", "sourcecode"):
        directives.register_directive(name, Code)


def _plain(value: str) -> str:
    """A header value's inline markup as text (the header is not parsed by docutils)."""
    return _ROLE.sub(r"\1", _LINK.sub(r"\1", value)).replace("``", "").strip()


def _title_of_document(node) -> bool:
    from docutils import nodes

    return isinstance(node, nodes.title) and isinstance(node.parent, nodes.document)


class _Walker:
    """Writes a doctree as blocks; ``level`` is the heading level a section met there gets."""

    def __init__(self, writer: DocumentWriter) -> None:
        self.writer = writer
        self.title = ""  # docutils' document title, where it promoted one
        self.metadata: list[tuple[str, str]] = []
        self._quote = 0  # enclosing block quotes

    def children(self, node, level: int) -> None:
        for child in node.children:
            self.node(child, level)

    def node(self, node, level: int) -> None:  # one branch per kind of doctree node
        from docutils import nodes

        writer = self.writer
        if isinstance(node, (nodes.comment, nodes.target, nodes.substitution_definition, nodes.system_message,
                             nodes.raw, nodes.pending, nodes.image, nodes.transition, nodes.decoration)) \
                or (isinstance(node, nodes.topic) and "contents" in node["classes"]):
            return
        if isinstance(node, nodes.section):
            for child in node.children:
                if isinstance(child, nodes.title):
                    writer.heading(inline_text(child), level)
                else:
                    self.node(child, level + 1)
        elif isinstance(node, nodes.title) and isinstance(node.parent, nodes.document):
            self.title = inline_text(node)
            writer.heading(self.title, 1)
        elif isinstance(node, nodes.subtitle):
            writer.heading(inline_text(node), 2)
        elif isinstance(node, (nodes.paragraph, nodes.attribution)) and self._quote:
            writer.quote(("— " if isinstance(node, nodes.attribution) else "") + inline_text(node))
        elif isinstance(node, (nodes.bullet_list, nodes.enumerated_list)):
            self.items(node, level, 0)
        elif isinstance(node, nodes.literal_block):
            writer.code(node.astext(), node.get("language", "") if "code" in node["classes"] else "")
        elif isinstance(node, nodes.doctest_block):
            writer.code(node.astext(), "pycon")
        elif isinstance(node, nodes.math_block):
            writer.code(node.astext(), "latex")
        elif isinstance(node, nodes.table):
            writer.table([[inline_text(entry) for entry in row.children] for row in node.findall(nodes.row)])
        elif isinstance(node, (nodes.field_list, nodes.docinfo)):
            self.fields(node)
        elif isinstance(node, nodes.definition_list):
            for item in node.children:
                terms = [inline_text(c) for c in item.children if isinstance(c, (nodes.term, nodes.classifier))]
                self.labelled(" : ".join(terms), item.next_node(nodes.definition), level)
        elif isinstance(node, nodes.option_list):
            for item in node.children:
                options = item.next_node(nodes.option_group)
                self.labelled(inline_text(options) if options else "", item.next_node(nodes.description), level)
        elif isinstance(node, nodes.Admonition):
            self.admonition(node, level)
        elif isinstance(node, nodes.block_quote):
            self._quote += 1
            self.children(node, level)
            self._quote -= 1
        elif isinstance(node, nodes.line_block):
            for line in node.findall(nodes.line):
                writer.paragraph(inline_text(line))
        elif isinstance(node, (nodes.footnote, nodes.citation)):
            label = node.next_node(nodes.label)
            self.labelled(f"[{label.astext()}]" if label else "", node, level, separator=" ")
        elif isinstance(node, nodes.label):
            return
        elif isinstance(node, nodes.TextElement):  # paragraphs, and anything else with text
            writer.paragraph(inline_text(node))
        else:  # containers (topic, sidebar, figure, compound, legend, ...): what they hold
            self.children(node, level)

    def items(self, node, level: int, depth: int) -> None:
        """A list's items: an item's leading paragraphs are its text; a list inside it goes
        one level deeper, anything else inside is written as itself."""
        from docutils import nodes

        start = node.get("start", 1) if isinstance(node, nodes.enumerated_list) else None
        numbered = start is not None and node.get("enumtype", "arabic") == "arabic"
        for index, item in enumerate(node.children):
            parts, rest = [], list(item.children)
            while rest and isinstance(rest[0], nodes.paragraph):
                parts.append(inline_text(rest.pop(0)))
            self.writer.item(" ".join(parts), depth, start + index if numbered else None)
            for child in rest:
                if isinstance(child, (nodes.bullet_list, nodes.enumerated_list)):
                    self.items(child, level, depth + 1)
                else:
                    self.node(child, level)

    def fields(self, node) -> None:
        from docutils import nodes

        for field in node.children:
            if isinstance(field, nodes.field):  # name and body
                name, value = inline_text(field.children[0]), inline_text(field.children[1])
            else:  # docinfo's known fields: author, date, version, ... (their tag is their name)
                name, value = field.tagname.capitalize(), inline_text(field)
            self.writer.field(name, value)
            if isinstance(node, nodes.docinfo):
                self.metadata.append((name, one_line(value)))

    def labelled(self, label: str, body, level: int, separator: str = ": ") -> None:
        """``label: first paragraph`` as a field (a footnote: ``[1] text`` as a paragraph),
        then the rest of ``body``."""
        from docutils import nodes

        rest = [c for c in (body.children if body is not None else []) if not isinstance(c, nodes.label)]
        first = inline_text(rest.pop(0)) if rest and isinstance(rest[0], nodes.paragraph) else ""
        if separator == ": " and label:
            self.writer.field(label, first)
        else:
            self.writer.paragraph(f"{label}{separator}{first}".strip())
        for child in rest:
            self.node(child, level)

    def admonition(self, node, level: int) -> None:
        from docutils import nodes

        title = node.next_node(nodes.title)
        label = inline_text(title) if title is not None and title.parent is node else \
            "See also" if node.tagname == "seealso" else node.tagname.capitalize()
        rest = [c for c in node.children if not isinstance(c, nodes.title)]
        first = inline_text(rest.pop(0)) if rest and isinstance(rest[0], nodes.paragraph) else ""
        self.writer.paragraph(f"{label}: {first}")
        for child in rest:
            self.node(child, level)


def inline_text(node) -> str:
    """A node's text as read: markup gone, references as their text, footnote references
    as "[1]", an unknown role's text without its role; the blocks inside a cell or a field
    body parted by a space."""
    from docutils import nodes

    if isinstance(node, nodes.Text):
        return node.astext()
    if isinstance(node, (nodes.system_message, nodes.raw, nodes.image, nodes.comment)):
        return ""
    if isinstance(node, (nodes.footnote_reference, nodes.citation_reference)):
        return f"[{node.astext()}]"
    if isinstance(node, nodes.problematic):
        return _ROLE.sub(r"\1", node.astext())
    return ("" if isinstance(node, nodes.TextElement) else " ").join(inline_text(c) for c in node.children)
