"""Which reader reads a file, or why a file is skipped: the dispatcher in front of
``index.formats``.

Every reader yields the one document model (``index.document_model``). Markdown and plain
text are parsed where they stand; a CSV or TSV file becomes one table (its first row the
header) and an e-mail (``.eml``) its sender, recipients, date and subject lines above its body,
its subject the title; every other format is read by its module in ``index.formats`` inside
the worker process of ``index.formats.sandbox``.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from .document_model import ParsedDocument
from .formats import SkipFile, markdown, plain, sandbox
from .formats import html as html_reader
from .formats.limits import MAX_TABLE_CELLS, MAX_TEXT_CHARS
from .text import normalise_text

# Read here: text formats whose reading is linear in their size (the file-size cap bounds it).
_IN_PROCESS = (".txt", ".md", ".markdown", ".csv", ".tsv", ".eml")
SUPPORTED_SUFFIXES = _IN_PROCESS + tuple(sandbox.READERS)
EMAIL_HEADERS = ("From", "To", "Cc", "Date", "Subject")  # the lines an email's text opens with
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class LoadedText:
    text: str
    title: str | None  # a title the format declares (an email's subject)


def read_document(path: Path, data: bytes, isolated: bool = True) -> ParsedDocument:
    """Read ``data`` (the bytes of ``path``) into the document model, or raise SkipFile.
    Formats that expand (zip containers, XML, PDF) or need a large parser are read in the
    worker process of ``formats.sandbox`` (``isolated``), under its memory and time limits."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise SkipFile(f"unsupported type {suffix or '(no extension)'}")
    if len(data) > MAX_FILE_BYTES:
        raise SkipFile(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    if suffix in (".md", ".markdown"):
        parsed = markdown.parse(normalise_text(plain.decode(data)))
    elif suffix == ".txt":
        parsed = plain.parse(normalise_text(plain.decode(data)))
    elif suffix in _IN_PROCESS:
        loaded = load_text(path, data)
        parsed = plain.parse(loaded.text)
        parsed = ParsedDocument(parsed.text, parsed.blocks, loaded.title)
    else:
        parsed = sandbox.read_document(suffix, data, isolated=isolated)
    if not any(block.kind != "heading" for block in parsed.blocks):
        raise SkipFile("no text")
    return parsed


def load_text(path: Path, data: bytes) -> LoadedText:
    """The text of a CSV, TSV or e-mail file (or a plain text), or raise SkipFile."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".tsv"):
        loaded = _load_delimited(plain.decode(data), tabs=suffix == ".tsv")
    elif suffix == ".eml":
        loaded = _load_email(data)
    else:
        loaded = LoadedText(plain.decode(data), None)
    text = normalise_text(loaded.text)
    if not text.strip():
        raise SkipFile("no text")
    if len(text) > MAX_TEXT_CHARS:
        raise SkipFile(f"more than {MAX_TEXT_CHARS:,} characters of text")
    return LoadedText(text, loaded.title)


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
    if width * len(rows) > MAX_TABLE_CELLS:  # short rows are padded: a few wide ones multiply the text
        raise SkipFile(f"a table of more than {MAX_TABLE_CELLS:,} cells")
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
        try:
            content = html_reader.read(content.encode("utf-8", "replace")).text
        except (ValueError, UnicodeError) as error:
            raise SkipFile(f"unreadable email HTML body ({type(error).__name__})") from error
    if not content.strip():
        return LoadedText("", subject)
    return LoadedText("".join(f"{line}\n" for line in headers) + ("\n" if headers else "") + content.strip() + "\n",
                      subject)
