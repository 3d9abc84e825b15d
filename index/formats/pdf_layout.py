"""The geometry half of the PDF reader (``index.formats.pdf``): characters from pdfium's text
page grouped into lines with their boxes, font size and weight; drawn graphics grouped into
figure regions; running headers, footers and page numbers found by repetition; the gutter of a
two-column layout; and each page's lines put in reading order and grouped into blocks.

Coordinates are PDF points, measured from the page's top (``top`` < ``bottom``)."""

from __future__ import annotations

import ctypes
import re
import statistics
import threading
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

# pdfium is not thread-safe: one document at a time in this process.
_PDFIUM_LOCK = threading.Lock()
_MAX_OBJECTS = 4000  # drawn objects looked at per page for figure regions
_BOLD_NAME = re.compile(r"bold|black|heavy|semibold|demi|medi(?!um)|cmbx|cmb\d|bx\d|-b$|,b$", re.IGNORECASE)
_HYPHENS = "-\u00ad\u2010\ufffe"


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
        return len(self.text) > 1 and self.text[-1] in _HYPHENS and self.text[-2].isalpha()


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
                    pages.append(Page(width, height, lines, *_graphics(page, width, height)))
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


_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


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
    text = re.sub(r"^([⁰¹²³⁴⁵⁶⁷⁸⁹]+)(?=\w)", lambda m: m.group(1).translate(_PLAIN) + " ", text)
    text = re.sub(r"(?<=[⁰¹²³⁴⁵⁶⁷⁸⁹]) (?=[.,;:!?)])", "", text)
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


_PLAIN = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹", "0123456789")
_MONO_NAME = re.compile(r"mono|courier|cmtt|sftt|typewriter|consol|menlo|inconsolata|code|\btt\d|lmtt", re.IGNORECASE)


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


def _graphics(page, width: float, height: float) -> tuple[list, list]:
    """Figure regions: drawn paths gathered where they touch, images, embedded forms; thin
    rules (table lines, underlines, fraction bars) and page-sized backgrounds left out. And the
    horizontal rules (a table's lines among them)."""
    import pypdfium2.raw as pdfium_c

    handle = page.raw
    kinds = {pdfium_c.FPDF_PAGEOBJ_PATH: "path", pdfium_c.FPDF_PAGEOBJ_IMAGE: "image",
             pdfium_c.FPDF_PAGEOBJ_FORM: "form", pdfium_c.FPDF_PAGEOBJ_SHADING: "path"}
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    boxes: list[list[float]] = []
    rules: list[tuple[float, float, float]] = []
    for index in range(min(pdfium_c.FPDFPage_CountObjects(handle), _MAX_OBJECTS)):
        obj = pdfium_c.FPDFPage_GetObject(handle, index)
        kind = kinds.get(pdfium_c.FPDFPageObj_GetType(obj))
        if kind is None or not pdfium_c.FPDFPageObj_GetBounds(obj, left, bottom, right, top):
            continue
        w, h = right.value - left.value, top.value - bottom.value
        if kind == "path" and h < 1.5 and w > 20:
            rules.append((left.value, right.value, height - (top.value + bottom.value) / 2))
        if min(w, h) < 1.5 or w * h > 0.5 * width * height or max(w, h) < 3:
            continue
        pad = 3.0 if kind == "path" else 0.0
        boxes.append([left.value - pad, height - top.value - pad, right.value + pad, height - bottom.value + pad,
                      kind != "path"])
    return _clusters(boxes, width, height), rules


def _clusters(boxes: list[list], width: float, height: float) -> list[tuple[float, float, float, float]]:
    """Boxes that touch gathered on a coarse grid (bounded work however many there are); a
    cluster is a region when it holds an image or form, or two boxes or more (a lone box is a
    frame), and is not tiny."""
    cell = max(5.0, max(width, height) / 400)
    cols, rows = int(width / cell) + 2, int(height / cell) + 2
    grid = bytearray(cols * rows)
    spans = []
    for x0, top, x1, bottom, _ in boxes:
        c0, c1 = max(0, int(x0 / cell)), min(cols - 1, int(x1 / cell))
        r0, r1 = max(0, int(top / cell)), min(rows - 1, int(bottom / cell))
        if c0 > c1 or r0 > r1:
            spans.append(None)
            continue
        spans.append((c0, r0))
        for r in range(r0, r1 + 1):
            grid[r * cols + c0:r * cols + c1 + 1] = b"\x01" * (c1 - c0 + 1)
    parent: list[int] = []
    extents: list[list[int]] = []

    def root(number: int) -> int:
        while parent[number] != number:
            parent[number] = parent[parent[number]]
            number = parent[number]
        return number

    row_runs: list[list[tuple[int, int, int]]] = []
    for r in range(rows):  # runs of covered cells, joined with the runs they touch above
        row, runs = grid[r * cols:(r + 1) * cols], []
        c = row.find(1)
        while c >= 0:
            end = row.find(0, c)
            end = cols if end < 0 else end
            number = len(parent)
            parent.append(number)
            extents.append([c, r, end - 1, r])
            for p0, p1, other in row_runs[-1] if row_runs else ():
                if p0 <= end - 1 and c <= p1:
                    parent[root(other)] = root(number)
            runs.append((c, end - 1, number))
            c = row.find(1, end)
        row_runs.append(runs)
    merged: dict[int, list[int]] = {}
    for number, (c0, r0, c1, r1) in enumerate(extents):
        extent = merged.setdefault(root(number), [c0, r0, c1, r1])
        extent[:] = min(extent[0], c0), min(extent[1], r0), max(extent[2], c1), max(extent[3], r1)
    members, solid = Counter(), set()
    for box, span in zip(boxes, spans):
        if span is not None:
            c0, r0 = span
            number = next(root(n) for p0, p1, n in row_runs[r0] if p0 <= c0 <= p1)
            members[number] += 1
            if box[4]:
                solid.add(number)
    regions = []
    for number, (c0, r0, c1, r1) in merged.items():
        x0, top, x1, bottom = c0 * cell, r0 * cell, (c1 + 1) * cell, (r1 + 1) * cell
        if (number in solid or members[number] >= 2) and (x1 - x0) * (bottom - top) >= 400:
            regions.append((x0, top, x1, bottom))
    return regions


# ---- the page furniture: running headers, footers, page numbers ------------------------------

_PAGE_NUMBER = re.compile(r"[\W_]*(page\s*)?(#+|[ivxlcdm]+)(\s*(of|/)\s*#+)?[\W_]*", re.IGNORECASE)


def drop_furniture(pages: list[Page]) -> None:
    """Drops the lines that repeat (same text with digits masked, same size, same height on
    the page) among the first or last three lines of at least two pages and 40 % of them, and
    bare page numbers ("12", "iv", "Page 3 of 9") on a page's top or bottom row."""
    def key(line: Line) -> str:
        return f"{round(line.size)}:{round(line.top / 3)}:" + " ".join(re.sub(r"\d+", "#", line.text.lower()).split())

    def edges(page: Page) -> list[Line]:
        ordered = sorted(page.lines, key=lambda line: line.top)
        band = 0.15 * page.height
        return [line for line in ordered[:3] if line.top < band] + \
               [line for line in ordered[-3:] if line.bottom > page.height - band and line not in ordered[:3]]

    def page_number(line: Line, page: Page) -> bool:
        top, bottom = min(l.top for l in page.lines), max(l.bottom for l in page.lines)
        outer = line.top - top < 0.5 * line.size or bottom - line.bottom < 0.5 * line.size
        alone = not any(other is not line and abs(other.top - line.top) < 0.4 * line.size for other in page.lines)
        return outer and alone and bool(_PAGE_NUMBER.fullmatch(re.sub(r"\d+", "#", line.text.lower())))

    with_text = [page for page in pages if page.lines]
    seen: Counter = Counter()
    for page in with_text:
        seen.update({key(line) for line in edges(page)})
    needed = max(2, 0.4 * len(with_text))
    for page in with_text:
        furniture = {id(line) for line in edges(page) if seen[key(line)] >= needed or page_number(line, page)}
        page.lines = [line for line in page.lines if id(line) not in furniture and not line.rotated]


# ---- reading order ---------------------------------------------------------------------------

def body_size(pages: list[Page]) -> float:
    sizes: Counter = Counter()
    for page in pages:
        for line in page.lines:
            sizes[round(line.size * 2) / 2] += len(line.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def gutter(pages: list[Page], size: float) -> tuple[float, float] | None:
    """The gap between the columns of a two-column layout: the x range near the middle of the
    text that body lines cover least, when it is (nearly) empty and both sides hold lines."""
    body = [line for page in pages for line in page.lines
            if abs(line.size - size) <= 1 and line.x1 - line.x0 > 3 * size]
    if len(body) < 10:
        return None
    left, right = min(line.x0 for line in body), max(line.x1 for line in body)
    width = int(right - left) + 1
    cover = [0] * (width + 1)
    for line in body:
        cover[int(line.x0 - left)] += 1
        cover[int(line.x1 - left)] -= 1
    running = 0
    for x in range(width + 1):
        running += cover[x]
        cover[x] = running
    lo, hi = int(0.3 * width), int(0.7 * width)
    least = min(cover[lo:hi])
    if least > 0.05 * max(cover):
        return None
    middle = min(range(lo, hi), key=lambda x: (cover[x], abs(x - width / 2)))
    a = b = middle
    while a > lo and cover[a - 1] <= least:
        a -= 1
    while b < hi and cover[b + 1] <= least:
        b += 1
    g0, g1 = left + a, left + b + 1
    on_left = sum(line.x1 <= g0 + 1 for line in body)
    on_right = sum(line.x0 >= g1 - 1 for line in body)
    if min(on_left, on_right) < max(3, 0.05 * len(body)):
        return None
    return g0, g1


def _rows(lines: list[Line]) -> list[Line]:
    """Top to bottom; lines on one row (table cells, split lines) left to right."""
    return [line for row in _row_groups(lines) for line in row]


def text_edges(pages: list[Page], size: float) -> tuple[float, float]:
    """Where body lines start and end: the text area's left and right."""
    body = [line for page in pages for line in page.lines if abs(line.size - size) <= 1] or \
        [line for page in pages for line in page.lines]
    return (min(line.x0 for line in body), max(line.x1 for line in body)) if body else (0.0, 1.0)


def reading_order(page: Page, gap: tuple[float, float] | None, size: float, edges: tuple[float, float]) -> list[Line]:
    """A page's lines in reading order: in a two-column layout, the page cut into bands at
    lines that cross the gutter (titles, full-width figures) and at white space across the
    page above the body text (authors side by side under a title), and within a band the
    left column, then the right one. Sets each line's ``column`` and ``edge``."""
    if gap is None:
        ordered = _rows(page.lines)
        for line in ordered:
            line.column, line.edge = (0, 0), edges
        return _expand(ordered)
    g0, g1 = gap
    middle = (g0 + g1) / 2
    spanning = _spanning(page.lines, g0, g1)
    bands: list[list[Line]] = []
    spanning_band, body, bottom = None, False, 0.0
    for line in sorted(page.lines, key=lambda line: line.top):
        spans = id(line) in spanning
        if spanning_band and not spans and line.x0 < g0 and line.top - bottom < 0.5 * line.size:
            spans = True  # the short last line of a full-width paragraph
        if not bands or spans != spanning_band or (not body and line.top - bottom > 0.8 * line.size):
            bands.append([])
            spanning_band, body, bottom = spans, False, 0.0
        bands[-1].append(line)
        body = body or (abs(line.size - size) < 0.6 and line.x1 - line.x0 > 12 * size)
        bottom = max(bottom, line.bottom)
    ordered = []
    for number, band in enumerate(bands):
        left = [line for line in band if (line.x0 + line.x1) / 2 < middle]
        right = [line for line in band if (line.x0 + line.x1) / 2 >= middle]
        spans = any(id(line) in spanning for line in band)
        parts = [band] if spans else [left, right]
        for side, part in enumerate(parts):
            if spans:
                edge = (min(line.x0 for line in band), max(line.x1 for line in band))
            else:
                edge = (edges[0], g0) if side == 0 else (g1, edges[1])
            for line in _rows(part):
                line.column, line.edge = (number, side), edge
                ordered.append(line)
    return _expand(ordered)


def _expand(ordered: list[Line]) -> list[Line]:
    """A table's stand-in replaced by the table's lines, each marked with the table."""
    out = []
    for line in ordered:
        if line.table is None:
            out.append(line)
            continue
        for cell in line.table:
            cell.column, cell.edge, cell.table = line.column, line.edge, line.table
            out.append(cell)
    return out


def _spanning(lines: list[Line], g0: float, g1: float) -> set[int]:
    """The lines that cross the gutter: alone, or with the other pieces of their row that a
    wide space parted (a row's pieces stay apart only where the gap is the gutter itself)."""
    spanning: set[int] = set()
    for row in _row_groups(lines):
        units = [[row[0]]]
        for a, b in zip(row, row[1:]):
            if a.x1 <= g0 + 1 and b.x0 >= g1 - 1:
                units.append([b])
            else:
                units[-1].append(b)
        for unit in units:
            if unit[0].x0 < g0 - 1 and max(line.x1 for line in unit) > g1 + 1:
                spanning.update(id(line) for line in unit)
    return spanning


def _row_groups(lines: list[Line]) -> list[list[Line]]:
    rows: list[list[Line]] = []
    for line in sorted(lines, key=lambda line: line.top):
        if rows and line.top - rows[-1][0].top < 0.4 * line.size:
            rows[-1].append(line)
        else:
            rows.append([line])
    return [sorted(row, key=lambda line: line.x0) for row in rows]


def find_tables(page: Page, size: float) -> None:
    """Lines between two or more horizontal rules of one width, in rows of two cells or more
    (most of them), become a table: they are taken out of the page's lines and stand in as one
    line whose ``table`` holds them."""
    groups: list[list[tuple[float, float, float]]] = []
    for rule in sorted(page.rules, key=lambda rule: rule[2]):
        group = next((g for g in groups if abs(g[0][0] - rule[0]) < 3 and abs(g[0][1] - rule[1]) < 3), None)
        if group is None:
            groups.append([rule])
        elif rule[2] - group[-1][2] > 0.5:
            group.append(rule)
    for group in groups:
        x0, x1, top, bottom = group[0][0], group[0][1], group[0][2], group[-1][2]
        if len(group) < 2 or bottom - top < size:
            continue
        inside = [l for l in page.lines if top < (l.top + l.bottom) / 2 < bottom and l.x0 >= x0 - 2 and l.x1 <= x1 + 2]
        rows = _row_groups(inside)
        if len(rows) < 2 or sum(len(row) >= 2 for row in rows) < 0.5 * len(rows):
            continue
        kept = {id(line) for line in inside}
        page.lines = [line for line in page.lines if id(line) not in kept]
        stand_in = Line("", x0, x1, top, bottom, size, page.lines[0].page if page.lines else inside[0].page)
        stand_in.table = [line for row in rows for line in row]
        page.lines.append(stand_in)


def table_rows(lines: list[Line], join=lambda a, b: f"{a} {b}".strip()) -> list[list[str]]:
    """A table's cells: its columns start where the pieces of two rows or more (or of 30 % of
    them) start; a row without a first cell goes on the row above (a cell's wrapped line)."""
    rows = _row_groups(lines)
    size = statistics.median(line.size for line in lines)
    starts: list[list[float]] = []
    for x in sorted(line.x0 for line in lines):
        if starts and x - starts[-1][-1] < 0.6 * size:
            starts[-1].append(x)
        else:
            starts.append([x])
    columns = [c[0] for c in starts if len(c) >= min(2, len(rows)) and len(c) >= 0.3 * len(rows)] or [starts[0][0]]
    columns[0] = min(columns[0], starts[0][0])
    table: list[list[str]] = []
    for row in rows:
        cells = [""] * len(columns)
        for line in row:
            column = max(i for i, x in enumerate(columns) if x <= line.x0 + 0.6 * size or i == 0)
            cells[column] = join(cells[column], line.text)
        if table and not cells[0]:
            table[-1] = [join(a, b) for a, b in zip(table[-1], cells)]
        else:
            table.append(cells)
    return table


def mark_figures(page: Page) -> None:
    for line in page.lines:
        cx, cy = (line.x0 + line.x1) / 2, (line.top + line.bottom) / 2
        line.in_figure = any(x0 - 2 <= cx <= x1 + 2 and t - 2 <= cy <= b + 2 for x0, t, x1, b in page.regions)


# ---- blocks ----------------------------------------------------------------------------------

_BULLET = re.compile(r"[•◦▪‣∙·●■]\s")
ENUMERATED = re.compile(r"(\d{1,2}|[a-z]|[ivx]{1,4})[.)]\s|\((\d{1,2}|[a-z]|[ivx]{1,4})\)\s")
CAPTION = re.compile(r"(Figure|Fig\.|Table|Listing|Algorithm|Exhibit)\s*[\dIVX]+[a-z]?\s*[:.|]", re.IGNORECASE)
_SENTENCE_END = re.compile(r"[.!?:;][\"'”’)\]]*$")


def line_step(lines: list[Line], size: float) -> float:
    """The usual distance from one body line's top to the next one's in a column."""
    steps = [b.top - a.top for a, b in zip(lines, lines[1:])
             if a.column == b.column and abs(a.size - size) < 0.6 and abs(b.size - size) < 0.6 and b.top > a.top]
    return statistics.median(steps) if steps else 1.2 * size


def group_blocks(ordered: list[Line], step: float, body: float) -> list[list[Line]]:
    """Consecutive lines of one column grouped into blocks (paragraphs, headings, captions):
    a new block after a wider gap than the usual line step, at a change of font size or
    weight, at an indented first line, at a bullet or a caption, after a list item at a line
    left of its text, or after a short line that ends a sentence. Also each column's left and
    right edge."""
    for prev, line in zip([None] + ordered, ordered):  # code: monospaced lines set off from the prose
        line.code = line.mono and (prev is None or prev.code or prev.column != line.column
                                   or line.top - prev.top > 1.2 * step)
    blocks: list[list[Line]] = []
    for line in ordered:
        if blocks and not _starts_block(blocks[-1], line, step, body):
            blocks[-1].append(line)
        else:
            blocks.append([line])
    return blocks


def _starts_block(block: list[Line], line: Line, step: float, body: float) -> bool:
    prev = block[-1]
    if line.table is not prev.table:
        return True
    if line.table is not None:
        return False
    if line.column != prev.column or line.in_figure != prev.in_figure or line.code != prev.code:
        return True
    if line.code:  # a listing is one block, blank lines and all
        return line.top < prev.top - 0.4 * line.size or line.top - prev.top > 2.6 * step
    if abs(line.top - prev.top) < 0.4 * line.size:  # the same row
        return False
    size = max(line.size, prev.size)
    left, right = line.edge
    if line.top - prev.top > 1.3 * step * max(1.0, size / body) + 0.5:
        return True
    if line.top < prev.top or abs(line.size - prev.size) > 0.8 or line.bold != prev.bold:
        return True
    if _BULLET.match(line.text) or CAPTION.match(line.text):
        return True
    if ENUMERATED.match(line.text) and (_SENTENCE_END.search(prev.text) or line.x0 < prev.x0 - 0.4 * size):
        return True
    second = next((l for l in block if l.top - block[0].top > 0.4 * l.size), None)
    if (_BULLET.match(block[0].text) or ENUMERATED.match(block[0].text)) and second is not None \
            and line.x0 < second.x0 - 0.4 * size:
        return True  # the text after a list item
    if (prev.x0 <= left + 0.4 * size and line.x0 - prev.x0 > 0.5 * size and line.x0 - left < 6 * size
            and not line.bold and abs(line.size - prev.size) < 0.6 and not ENUMERATED.match(block[0].text)):
        return True  # an indented first line (not a heading's second line, after its number)
    width = right - left
    return bool(prev.x1 < right - 0.25 * width and _SENTENCE_END.search(prev.text)
                and line.text[:1].isupper() and abs(line.x0 - prev.x0) < 0.4 * size)
