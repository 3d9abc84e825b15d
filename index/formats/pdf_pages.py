"""A PDF's pages as pdfium gives them, the ground the rest of the PDF reader
(``index.formats.pdf``) stands on: its characters grouped into lines, each with its box, font
size, weight, monospacing and rotation, and each page's figure regions and horizontal rules
(``pdf_graphics``).

Lines are pdfium's own (it breaks them where the text moves to another line and marks what it
takes for a line-end hyphen), cut again at a gap as wide as a gutter or a table's column;
ligatures split (ﬁ → fi) and compatibility forms folded (NFKC on those ranges only: ’ “ ” —
stay); small raised digits written as ¹ ² (a note's mark), a footnote's leading one as "1 ".

Coordinates are PDF points, measured from the page's top (``top`` < ``bottom``)."""

from __future__ import annotations

import ctypes
import re
import threading
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache

from .pdf_graphics import graphics

# pdfium is not thread-safe: one document at a time in this process.
_PDFIUM_LOCK = threading.Lock()
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|medi(?!um)|cmbx|cmb\d|bx\d|-b$|,b$", re.IGNORECASE)
_MONO_NAME = re.compile(r"mono|courier|cmtt|sftt|typewriter|consol|menlo|inconsolata|code|\btt\d|lmtt", re.IGNORECASE)
HYPHENS = "-\u00ad\u2010\ufffe"  # a hyphen, a soft one, Unicode's, and pdfium's mark for one at a line's end
_DIGITS, _RAISED = "0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹"
_SUPERSCRIPTS = str.maketrans(_DIGITS, _RAISED)
_PLAIN = str.maketrans(_RAISED, _DIGITS)


@dataclass
class Line:
    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float
    page: int
    bold: bool = False
    rotated: bool = False
    column: tuple = ()  # (band, side) once ordered
    edge: tuple = (0.0, 0.0)  # its column's left and right once ordered
    in_figure: bool = False
    mono: bool = False
    code: bool = False  # a monospaced line of a code block (not inline code in prose)
    table: list | None = None  # a table's stand-in: the table's lines

    @property
    def hyphen(self) -> bool:
        """Ends with a hyphen after a letter: a word that may go on on the next line."""
        return len(self.text) > 1 and self.text[-1] in HYPHENS and self.text[-2].isalpha()

    def same_row(self, other: Line) -> bool:
        """Whether ``other`` is set on this line's row (a table's cell, a piece a wide space cut off)."""
        return abs(self.top - other.top) < 0.4 * self.size


@dataclass
class Page:
    width: float
    height: float
    lines: list[Line] = field(default_factory=list)
    regions: list[tuple[float, float, float, float]] = field(default_factory=list)  # x0, top, x1, bottom
    rules: list[tuple[float, float, float]] = field(default_factory=list)  # horizontal: x0, x1, y


@dataclass
class RawDocument:
    pages: list[Page]
    metadata_title: str


def _char_table() -> dict[int, str | None]:
    """How characters go into the text: ligatures split (ﬁ → fi), compatibility forms of
    letters, digits and spaces folded (NFKC: full-width letters, math italic 𝑥, no-break
    spaces), invisible, control and private-use code points dropped; pdfium's mark for a
    line-end hyphen (2) a hyphen; typography (’ “ ” — …) kept as written."""
    table: dict[int, str | None] = {code: None for code in range(32)}
    table.update({2: "-", 9: " ", 0xFFFE: "-"})
    for code in (0xFEFF, 0xFFFF, 0xFFFD, *range(0x7F, 0xA0), *range(0x200B, 0x2010), *range(0x202A, 0x202F),
                 *range(0x2066, 0x206A), *range(0xE000, 0xF900)):  # bidi overrides act on a page
        table[code] = None
    for code in (*range(0xFB00, 0xFB50), *range(0xFF00, 0xFFF0), *range(0x1D400, 0x1D800),
                 *range(0x2000, 0x200B), 0xA0, 0x202F, 0x205F, 0x3000):
        folded = unicodedata.normalize("NFKC", chr(code))
        if folded != chr(code):
            table[code] = folded
    return table


CHARS = _char_table()


def extract(data: bytes, max_pages: int, max_chars: int) -> RawDocument:
    """Lines and figure regions of the first ``max_pages`` pages, at most ``max_chars``
    characters in all. Raises pdfium's errors (the caller turns them into SkipFile)."""
    import pypdfium2 as pdfium

    with _PDFIUM_LOCK:
        document = pdfium.PdfDocument(data)
        try:
            title = (document.get_metadata_dict(skip_empty=True).get("Title") or "").translate(CHARS).strip()
            pages, budget = [], max_chars
            for index in range(min(len(document), max_pages)):
                page = document[index]
                try:
                    width, height = page.get_size()
                    textpage = page.get_textpage()
                    try:
                        lines, used = _page_lines(textpage, index, height, budget)
                    finally:
                        textpage.close()
                    pages.append(Page(width, height, lines, *graphics(page, width, height)))
                finally:
                    page.close()
                budget -= used
                if budget <= 0:
                    break
        finally:
            document.close()
    return RawDocument(pages, title)


def _page_lines(textpage, page_index: int, height: float, budget: int) -> tuple[list[Line], int]:
    """The page's lines: pdfium's own lines (it breaks them where the text moves to another
    line, and marks a line-end hyphen with 2), cut further at a gap as wide as a column gutter
    or a table's column; each with the box, the font size and the weight of its characters."""
    import pypdfium2.raw as pdfium_c

    handle = textpage.raw
    count = min(pdfium_c.FPDFText_CountChars(handle), budget)
    get_unicode = pdfium_c.FPDFText_GetUnicode
    codes = [get_unicode(handle, index) for index in range(count)]
    rect = pdfium_c.FS_RECTF()

    def box(index: int) -> tuple[float, float, float, float]:
        pdfium_c.FPDFText_GetLooseCharBox(handle, index, rect)
        return rect.left, rect.right, rect.bottom, rect.top

    spans: list[tuple[int, int]] = []
    start = None
    for index, code in enumerate(codes):
        if code in (10, 13):
            if start is not None:
                spans.append((start, index))
                start = None
        elif start is None:
            if code not in (32, 9):
                start = index
        elif code == 2 or code == 0xFFFE:
            spans.append((start, index + 1))
            start = None
    if start is not None:
        spans.append((start, count))
    lines = []
    for start, end in spans:
        size = pdfium_c.FPDFText_GetFontSize(handle, start)
        pieces, piece_start = [], start
        space = codes.index(32, start, end) if 32 in codes[start:end] else -1
        while space >= 0:  # a gap wider than the font size at a space: another column or cell
            before, after = space - 1, space + 1
            while after < end and codes[after] == 32:
                after += 1
            if after < end and before >= piece_start and box(after)[0] - box(before)[1] > max(size, 1.0):
                pieces.append((piece_start, before + 1))
                piece_start = after
            space = codes.index(32, after, end) if 32 in codes[after:end] else -1
        pieces.append((piece_start, end))
        for first, stop in pieces:
            line = _line(codes, first, stop, box, handle, pdfium_c, page_index, height)
            if line is not None:
                lines.append(line)
    return lines, count


def _line(codes, first, stop, box, handle, pdfium_c, page_index: int, height: float) -> Line | None:
    while stop > first and codes[stop - 1] in (32, 9):
        stop -= 1
    if first >= stop:
        return None
    last = stop - 1
    left, _, low, high = box(first)
    _, right, low2, high2 = box(last)
    middle = (first + last) // 2
    samples = sorted({first, (3 * first + last) // 4, middle, (first + 3 * last) // 4, last})
    sizes = sorted(pdfium_c.FPDFText_GetFontSize(handle, index) for index in samples)
    size = sizes[len(sizes) // 2] or max(high - low, 1.0)
    chars = [chr(code) for code in codes[first:stop]]
    base = None
    for index, code in enumerate(codes[first:stop]):  # a small raised digit: a note's mark, a power
        if 48 <= code <= 57 and pdfium_c.FPDFText_GetFontSize(handle, first + index) < 0.8 * size:
            base = _baseline(pdfium_c, handle, middle) if base is None else base
            if _baseline(pdfium_c, handle, first + index) > base + 0.15 * size:
                chars[index] = chars[index].translate(_SUPERSCRIPTS)
    bold, mono, rotated = _style(pdfium_c, handle, (first, middle, last))
    if mono:  # code keeps its spaces: as many as fit in each gap
        text = _spaced(codes, chars, first, stop, box)
    else:
        text = " ".join("".join(chars).translate(CHARS).split())
    if not text:
        return None
    if "\u00ad" in text[:-1]:  # a soft hyphen is invisible inside a line
        text = text[:-1].replace("\u00ad", "") + text[-1]
    # a footnote's own mark: "¹Text" → "1 Text"
    text = re.sub(f"^([{_RAISED}]+)(?=\\w)", lambda m: m.group(1).translate(_PLAIN) + " ", text)
    text = re.sub(f"(?<=[{_RAISED}]) (?=[.,;:!?)])", "", text)
    return Line(text, min(left, right), max(left, right), height - max(high, high2), height - min(low, low2),
                size, page_index, bold, rotated, mono=mono)


def _spaced(codes, chars, first: int, stop: int, box) -> str:
    boxes = {index: box(index) for index in range(first, stop) if codes[index] not in (32, 9)}
    widths = sorted(b[1] - b[0] for b in boxes.values() if b[1] > b[0])
    width = widths[len(widths) // 2] if widths else 1.0
    out, right = [], None
    for index in range(first, stop):
        if index not in boxes:
            continue
        left = boxes[index][0]
        if right is not None and left - right > 0.5 * width:
            out.append(" " * max(1, round((left - right) / width)))
        out.append(chars[index - first].translate(CHARS))
        right = boxes[index][1]
    return "".join(out).strip()


def _baseline(pdfium_c, handle, index: int) -> float:
    x, y = ctypes.c_double(), ctypes.c_double()
    pdfium_c.FPDFText_GetCharOrigin(handle, index, ctypes.byref(x), ctypes.byref(y))
    return y.value


_FONT_BUFFER = ctypes.create_string_buffer(128)  # used under _PDFIUM_LOCK only


@lru_cache(maxsize=512)
def _font_kind(name: bytes) -> tuple[bool, bool]:
    """Whether a font's name (its subset prefix dropped) says bold, and monospaced."""
    base = name.decode("latin-1").split("+")[-1]
    return bool(_BOLD_NAME.search(base)), bool(_MONO_NAME.search(base))


def _style(pdfium_c, handle, samples: tuple[int, ...]) -> tuple[bool, bool, bool]:
    """Whether a line is bold (two of its first, middle and last characters in a bold font),
    monospaced (all three) and rotated."""
    buffer, flags = _FONT_BUFFER, ctypes.c_int()
    bold = mono = 0
    for index in samples:
        pdfium_c.FPDFText_GetFontInfo(handle, index, buffer, 128, ctypes.byref(flags))
        bold_name, mono_name = _font_kind(buffer.value)
        bold += bold_name or bool(flags.value & (1 << 18)) or pdfium_c.FPDFText_GetFontWeight(handle, index) >= 600
        mono += mono_name or bool(flags.value & 1)
    angle = pdfium_c.FPDFText_GetCharAngle(handle, samples[0])
    rotated = angle > 0 and min(angle, 6.2832 - angle) > 0.1
    return bold >= 2, mono == 3, rotated
