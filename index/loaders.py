"""Turn files into plain document text, or say why a file was skipped.

Each loader returns the text that offsets are measured against. HTML, PDF and DOCX
are converted to plain text with headings written as Markdown ``#`` lines and tables as
Markdown pipe tables, a CSV or TSV file becomes one pipe table (its first row the header),
and an email (``.eml``) its sender, recipients, date and subject lines above its body, its subject also the
title, so the chunker and the answers see one structure whatever the source format.
"""

from __future__ import annotations

import html.parser
import io
import re
from dataclasses import dataclass
from pathlib import Path

from .text import normalise_text

SUPPORTED_SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx", ".csv", ".tsv", ".eml")
EMAIL_HEADERS = ("From", "To", "Cc", "Date", "Subject")  # the lines an email's text opens with
MAX_FILE_BYTES = 50 * 1024 * 1024


class SkipFile(Exception):
    """The file cannot be indexed; the message says why."""


@dataclass(frozen=True)
class LoadedText:
    text: str
    title: str | None  # a title the format declares (HTML <title>, PDF metadata)
    pages: tuple[int, ...] = ()  # PDF: the offset in ``text`` where each page starts


def load_text(path: Path, data: bytes) -> LoadedText:
    """Extract text from ``data`` (the bytes of ``path``) or raise SkipFile."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipFile(f"unsupported type {suffix or '(no extension)'}")
    if len(data) > MAX_FILE_BYTES:
        raise SkipFile(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if suffix == ".pdf":
        loaded = _load_pdf(data)
    elif suffix == ".docx":
        loaded = _load_docx(data)
    elif suffix in (".csv", ".tsv"):
        loaded = _load_delimited(_decode(data), tabs=suffix == ".tsv")
    elif suffix == ".eml":
        loaded = _load_email(data)
    else:
        text = _decode(data)
        loaded = _load_html(text) if suffix in (".html", ".htm") else LoadedText(text, None)
    text = normalise_text(loaded.text)
    if not text.strip():
        raise SkipFile("no text")
    return LoadedText(text, loaded.title, loaded.pages)


def _decode(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise SkipFile("binary content")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        raise SkipFile("not UTF-8 or Windows-1252 text") from error


class _HTMLText(html.parser.HTMLParser):
    """Collect visible text; headings become Markdown lines, blocks become paragraphs."""

    _BLOCKS = {"p", "div", "section", "article", "br", "li", "table", "ul", "ol",
               "blockquote", "pre", "header", "footer", "main", "aside", "nav", "dd", "dt"}
    _HIDDEN = {"script", "style", "template", "noscript", "head"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title: list[str] = []
        self._hidden_depth = 0
        self._in_title = False
        self._row: list[str] | None = None  # the cells of a table row being read
        self._header_row = False  # ... all of them <th>
        self._rows = 0  # rows of the current table written

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
        if tag in self._HIDDEN:
            self._hidden_depth += 1
        elif tag == "tr":
            self._row, self._header_row = [], True
        elif tag in ("td", "th") and self._row is not None:
            self._row.append("")
            self._header_row &= tag == "th"
        elif self._row:  # inside a cell the row stays one line: a block is a space
            self._row[-1] += " " if self._is_block(tag) else ""
        elif re.fullmatch(r"h[1-6]", tag):
            self.parts.append("\n\n" + "#" * int(tag[1]) + " ")
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in self._BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in self._HIDDEN:
            self._hidden_depth = max(0, self._hidden_depth - 1)
        elif tag == "tr" and self._row is not None:
            if any(cell.strip() for cell in self._row):
                self.parts.append(pipe_row(self._row) + "\n")
                if self._header_row and not self._rows:
                    self.parts.append(header_rule(len(self._row)) + "\n")
                self._rows += 1
            self._row = None
        elif self._row:
            self._row[-1] += " " if self._is_block(tag) else ""
        elif self._is_block(tag):
            self.parts.append("\n\n")
            self._rows = 0 if tag == "table" else self._rows

    def _is_block(self, tag: str) -> bool:
        return tag in self._BLOCKS or bool(re.fullmatch(r"h[1-6]", tag))

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title.append(data)
        elif self._hidden_depth:
            return
        elif self._row:
            self._row[-1] += data
        elif self._row is None:  # text between a row's cells is markup's white space
            self.parts.append(re.sub(r"\s+", " ", data))


def pipe_row(cells: list[str]) -> str:
    """A table row as a Markdown pipe row (a "|" inside a cell becomes "/")."""
    return "| " + " | ".join(" ".join(cell.split()).replace("|", "/") for cell in cells) + " |"


def header_rule(columns: int) -> str:
    return "|" + "---|" * columns


def _load_delimited(text: str, tabs: bool) -> LoadedText:
    """A CSV (delimiter sniffed among , ; tab |) or TSV file as a Markdown pipe table whose
    header is its first row; rows left short are padded, blank rows left out."""
    import csv

    try:
        dialect = csv.excel_tab if tabs else csv.Sniffer().sniff(text[:8192], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel  # one column, or nothing to tell by: commas
    try:
        rows = [row for row in csv.reader(io.StringIO(text), dialect) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise SkipFile(f"malformed {'TSV' if tabs else 'CSV'}: {error}") from error
    if not rows:
        return LoadedText("", None)
    width = max(map(len, rows))
    lines = [pipe_row(row + [""] * (width - len(row))) for row in rows]
    return LoadedText("\n".join([lines[0], header_rule(width), *lines[1:]]) + "\n", None)


def _load_email(data: bytes) -> LoadedText:
    """An email's ``EMAIL_HEADERS`` lines, then its plain-text body (else its HTML body, as
    text); its subject is the title too. Attachments are not read."""
    import email
    import email.policy

    try:
        message = email.message_from_bytes(data, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain", "html"))
        content = body.get_content() if body is not None else ""
        headers = [f"{name}: {' '.join(str(message[name]).split())}" for name in EMAIL_HEADERS if message[name]]
        subject = " ".join(str(message["Subject"] or "").split()) or None
    except (LookupError, ValueError, TypeError) as error:  # unknown charsets, malformed headers
        raise SkipFile(f"unreadable email ({type(error).__name__})") from error
    if body is not None and body.get_content_subtype() == "html":
        content = _load_html(content).text
    if not content.strip():
        return LoadedText("", subject)
    return LoadedText("".join(f"{line}\n" for line in headers) + ("\n" if headers else "") + content.strip() + "\n",
                      subject)


def _load_html(markup: str) -> LoadedText:
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n[ \t]+", "\n", text).replace("\n• ", "\n  • ")
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    title = " ".join("".join(parser.title).split()) or None
    return LoadedText(text, title)


def _load_pdf(data: bytes) -> LoadedText:
    try:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(data))
        pages = [normalise_text((page.extract_text() or "").strip()) for page in reader.pages]
        title = (reader.metadata.title if reader.metadata else None) or None
    except Exception as error:  # pypdf raises many types on malformed files
        raise SkipFile(f"unreadable PDF ({type(error).__name__})") from error
    starts, offset = [], 0
    for page in pages:  # normalised already, so these offsets hold in the final text
        starts.append(offset)
        offset += len(page) + 2
    return LoadedText("\n\n".join(pages), title, tuple(starts))


def _load_docx(data: bytes) -> LoadedText:
    try:
        import docx
        import docx.table
    except ImportError as error:
        raise SkipFile("python-docx is not installed") from error
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as error:  # zipfile/lxml errors on malformed files
        raise SkipFile(f"unreadable DOCX ({type(error).__name__})") from error
    lines = []
    for block in document.iter_inner_content():  # paragraphs and tables in document order
        if isinstance(block, docx.table.Table):  # a Markdown table, its first row the header
            rows = [pipe_row([cell.text for cell in row.cells]) for row in block.rows]
            lines.append("\n".join(rows[:1] + [header_rule(len(block.columns))] + rows[1:]) if rows else "")
            continue
        style = (block.style.name if block.style is not None else "") or ""
        level = re.fullmatch(r"Heading (\d)", style)
        prefix = "#" * int(level.group(1)) + " " if level else ""
        lines.append(prefix + block.text)
    title = document.core_properties.title or None
    return LoadedText("\n\n".join(lines), title)
