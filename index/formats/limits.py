"""The guard rails every reader shares: how much a zip may expand to (its central directory
checked before anything is expanded, then its declared sizes verified), how much text a
document may yield, XML parsed without entities or network, and library errors turned into
``SkipFile`` reasons.

These bound one file's cost inside the reader; ``sandbox`` bounds what is left (memory,
time, crashes) by running the reader in a worker process.
"""

from __future__ import annotations

import importlib
import io
import re
import struct
import zipfile
import zlib
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Iterator

from ..document_model import DocumentWriter
from ..text import strip_unsafe
from . import SkipFile

MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024  # all of a zip's entries, expanded
MAX_RATIO = 100  # expanded / compressed, for an entry larger than RATIO_FROM_BYTES
RATIO_FROM_BYTES = 1024 * 1024  # small entries may compress better (repeated XML): not a bomb
MAX_ZIP_ENTRIES = 10_000
MAX_TEXT_CHARS = 20_000_000  # the text one document may yield
MAX_TABLE_CELLS = 1_000_000  # one table (a sheet) as written, padded rows included

_EOCD = b"PK\x05\x06"  # the end-of-central-directory record's signature
_STEP = 1 << 16  # bytes in, and at most out, per inflating step
_NOT_TEXT = re.compile("[\ud800-\udfff]")  # lone surrogates (a notebook's JSON may hold them)


def check_zip(data: bytes, max_total: int = MAX_UNCOMPRESSED_BYTES, max_ratio: float = MAX_RATIO,
              max_entries: int = MAX_ZIP_ENTRIES) -> zipfile.ZipFile:
    """The zip in ``data``, opened, once it is shown to be no bomb: by its central directory,
    before anything is expanded, at most ``max_entries`` entries, at most ``max_total`` bytes
    expanded, no entry over 1 MB that expands more than ``max_ratio`` times; then no entry
    expanding beyond its declared size (inflated in 64 KB steps and thrown away: about 2 ms
    for a DOCX of 4.5 MB of XML), so the declared sizes bound what the readers' libraries
    allocate through ``zipfile``."""
    end = data.rfind(_EOCD, max(0, len(data) - 65_557))  # the record and its longest comment
    if end >= 0 and len(data) >= end + 22:  # count entries before zipfile builds one object each
        declared = struct.unpack_from("<H", data, end + 10)[0]
        if declared != 0xFFFF and declared > max_entries:  # 0xFFFF: a zip64 count, checked below
            raise SkipFile(f"zip bomb? {declared:,} entries (at most {max_entries:,})")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as error:
        raise SkipFile(f"not a valid zip file ({type(error).__name__})") from error
    entries = archive.infolist()
    if len(entries) > max_entries:
        raise SkipFile(f"zip bomb? {len(entries):,} entries (at most {max_entries:,})")
    total = 0
    for entry in entries:
        total += entry.file_size
        if entry.file_size > RATIO_FROM_BYTES and entry.file_size > max_ratio * max(entry.compress_size, 1):
            raise SkipFile(f"zip bomb? {_name(entry)} expands from {_size(entry.compress_size)} to "
                           f"{_size(entry.file_size)} (more than {max_ratio:g} times)")
        if total > max_total:
            raise SkipFile(f"zip bomb? its entries expand to more than {_size(max_total)} "
                           f"({_name(entry)}: {_size(entry.file_size)})")
    for entry in entries:
        _check_declared_size(data, entry)
    return archive


def _check_declared_size(data: bytes, entry: zipfile.ZipInfo) -> None:
    """Refuse an entry that expands beyond its declared size: zipfile stops there, but only
    after inflating all the compressed bytes it reads at once (a 1 MB entry declared as 4 KB
    is a 1 GB allocation in ``ZipFile.read``). Inflated here in bounded steps, nothing kept."""
    if entry.flag_bits & 0x1:
        raise SkipFile(f"encrypted zip entry {_name(entry)}")
    if entry.compress_type == zipfile.ZIP_STORED:
        if entry.compress_size != entry.file_size:
            raise SkipFile(f"zip bomb? {_name(entry)} is stored, yet its sizes differ")
        return
    if entry.compress_type != zipfile.ZIP_DEFLATED:  # what Office, ODF and EPUB files use
        raise SkipFile(f"zip entry {_name(entry)} uses an unsupported compression (method {entry.compress_type})")
    at = entry.header_offset
    if data[at:at + 4] != b"PK\x03\x04" or len(data) < at + 30:
        raise SkipFile("not a valid zip file (bad local header)")
    start = at + 30 + sum(struct.unpack_from("<HH", data, at + 26))  # past the name and extra field
    compressed = memoryview(data)[start:start + entry.compress_size]
    inflater, expanded = zlib.decompressobj(-zlib.MAX_WBITS), 0
    try:
        for piece in range(0, len(compressed), _STEP):
            pending = compressed[piece:piece + _STEP]
            while True:
                out = len(inflater.decompress(pending, _STEP))
                expanded += out
                if expanded > entry.file_size:
                    raise SkipFile(f"zip bomb? {_name(entry)} expands beyond its declared "
                                   f"{_size(entry.file_size)}")
                pending = inflater.unconsumed_tail
                if not pending and out < _STEP:  # input used up and output drained
                    break
            if inflater.eof:
                break
    except zlib.error as error:
        raise SkipFile(f"not a valid zip file (corrupt entry {_name(entry)})") from error


def read_entry(archive: zipfile.ZipFile, name: str) -> bytes | None:
    """A checked zip's entry, or None where it has none by that name."""
    try:
        return archive.read(name)
    except KeyError:
        return None


def _name(entry: zipfile.ZipInfo) -> str:
    name = strip_unsafe(entry.filename)
    return repr(name if len(name) <= 80 else name[:77] + "...")


def _size(n: int) -> str:
    return f"{n / 1024 ** 3:.1f} GB" if n >= 1024 ** 3 else f"{n / 1024 ** 2:.1f} MB" if n >= 1024 ** 2 \
        else f"{n:,} bytes"


@dataclass
class BoundedWriter(DocumentWriter):
    """The ``DocumentWriter`` converted readers use: it refuses to write more than
    ``max_chars`` characters (``SkipFile``), keeps control characters and lone surrogates
    out of the text, clamps heading levels to Markdown's 1-6 (7 means a bold line in the
    document model) and keeps a code block's language to one plain word."""

    max_chars: int = MAX_TEXT_CHARS

    def heading(self, text: str, level: int = 1) -> None:
        super().heading(text, min(max(level, 1), 6))

    def code(self, text: str, language: str = "") -> None:
        word = re.match(r"[\w+#.-]{1,32}", language.strip())
        super().code(text, word.group(0) if word else "")

    def table(self, rows: list[list[str]]) -> None:
        width = max(map(len, rows), default=0)
        if width * len(rows) > MAX_TABLE_CELLS:  # check before the rows are padded and joined
            raise SkipFile(f"a table of more than {MAX_TABLE_CELLS:,} cells")
        super().table(rows)

    def _add(self, kind: str, prefix: str, body: str, level: int = 0, info: str = "",
             joined: bool = False) -> None:
        body = _NOT_TEXT.sub("", strip_unsafe(body))
        if self._length + len(prefix) + len(body) + 2 > self.max_chars:
            raise SkipFile(f"more than {self.max_chars:,} characters of text")
        super()._add(kind, prefix, body, level, strip_unsafe(info), joined)


def one_line(text: str | None) -> str:
    """Text as the writer would write it on one line ("" for None): for titles and tests."""
    return " ".join(_NOT_TEXT.sub("", strip_unsafe(text or "")).split())


def parse_xml(data: bytes):
    """An XML document's root (lxml), parsed with entities left unexpanded, no DTD loaded,
    nothing fetched from the network and libxml2's size and depth limits on (no huge_tree)."""
    from lxml import etree

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                             dtd_validation=False, remove_comments=True, remove_pis=True)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise SkipFile(f"malformed XML ({type(error).__name__})") from error


def library(module: str, package: str) -> ModuleType:
    """Import an optional reader library, or say which package to install."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise SkipFile(f"{package} is not installed") from error


@contextmanager
def reading(kind: str) -> Iterator[None]:
    """Inside: a library's error on a malformed file becomes ``SkipFile("unreadable KIND
    (ErrorType)")`` (the type only: its text may hold paths or document content). A
    ``SkipFile`` and ``MemoryError`` pass through (the worker reports the memory limit)."""
    try:
        yield
    except (SkipFile, MemoryError):
        raise
    except RecursionError as error:
        raise SkipFile(f"{kind} nested too deeply to read") from error
    except Exception as error:  # the libraries raise many types on malformed files
        raise SkipFile(f"unreadable {kind} ({type(error).__name__})") from error
