"""Readers of index/formats: real files written by their own libraries (python-docx,
python-pptx, openpyxl, odfpy, nbformat; EPUB by hand with zipfile), their blocks exact;
zip bombs refused from the central directory; hostile readers contained by the worker.

This module is also a reader (``read`` at the end) that the worker tests run in the worker."""

from __future__ import annotations

import functools
import io
import os
import struct
import time
import tracemalloc
import zipfile
import zlib

import pytest

from index.document_model import ParsedDocument
from index.formats import SkipFile, sandbox
from index.formats.limits import BoundedWriter, check_zip

MARKERS = {"heading": "#", "item": ("- ", " ", "1", "2", "3", "4", "5", "6", "7", "8", "9"), "code": "```",
           "table": "| ", "quote": "> "}


def blocks(document: ParsedDocument) -> list[tuple[str, str]]:
    """Each block as (kind, its text), after checking every block's span: in order, apart,
    and shaped as its kind is written."""
    end = 0
    for block in document.blocks:
        assert block.start >= end and document.text[block.start:block.end].strip()
        assert document.text[block.start:block.end].startswith(MARKERS.get(block.kind, ""))
        end = block.end
    return [(b.kind, document.text[b.start:b.end]) for b in document.blocks]


def parse(suffix: str, data: bytes) -> ParsedDocument:
    """Read here, in this process (the worker has tests of its own below)."""
    return sandbox.read_document(suffix, data, isolated=False)


# --- HTML, EPUB -------------------------------------------------------------------------

PAGE = b"""<!doctype html><html><head><title>Ferry  guide</title><script>var x = 1;</script>
<style>p { color: red }</style></head><body>
<header><a href="/">Home</a> <a href="/about">About us</a></header>
<nav><ul><li>Timetables</li><li>Contact</li></ul></nav>
<div class="sidebar-left"><p>Popular posts</p></div><div id="cookie-banner">We use cookies.</div>
<h1>Ferries <a class="headerlink" href="#f">\xc2\xb6</a></h1>
<p>The ferry leaves at <b>nine</b>.<br>&lt;script&gt;alert(1)&lt;/script&gt;</p>
<ul><li>Oslo<ul><li>Pier <p>four</p></li></ul></li><li>Kiel</li></ul>
<ol start="3"><li>Board</li></ol>
<div class="highlight-python"><pre><code>print("ahoy")
</code></pre></div>
<blockquote><p>Always on time.</p></blockquote>
<table><tr><th>Port</th><th>Time</th></tr><tr><td>Oslo</td><td>09:00 | daily</td></tr></table>
<dl><dt>Pier</dt><dd>Where ferries dock.</dd></dl>
<footer>Copyright 2024</footer></body></html>"""


def test_html_blocks_titles_and_navigation_left_out():
    document = parse(".html", PAGE)
    assert document.title == "Ferry guide"
    assert blocks(document) == [
        ("heading", "# Ferries"), ("paragraph", "The ferry leaves at nine."),
        ("paragraph", "<script>alert(1)</script>"), ("item", "- Oslo"), ("item", "  - Pier four"),
        ("item", "- Kiel"), ("item", "3. Board"), ("code", '```python\nprint("ahoy")\n```'),
        ("quote", "> Always on time."), ("table", "| Port | Time |\n|---|---|\n| Oslo | 09:00 / daily |"),
        ("field", "Pier: Where ferries dock.")]
    assert [b.level for b in document.blocks if b.kind == "item"] == [0, 1, 0, 0]
    for left_out in ("Home", "Timetables", "Popular", "cookies", "Copyright", "var x", "color"):
        assert left_out not in document.text


def test_html_from_a_hostile_page_is_text_only():
    from .documents import XSS_HTML

    document = parse(".html", XSS_HTML.encode())
    assert document.title == "Hostile page"
    assert blocks(document) == [("heading", "# Zebra tariffs"), ("paragraph", "The zebra tariff is nine percent."),
                                ("paragraph", "<script>alert('text')</script>"), ("paragraph", "click")]


def test_html_reads_only_main_and_keeps_its_header():
    page = (b"<html><head><title>T</title></head><body><nav>Menu</nav><main><header><h2>Story</h2></header>"
            b"<p>Inside main.</p><footer>By Ann.</footer></main><p>Outside main.</p></body></html>")
    assert blocks(parse(".html", page)) == [("heading", "## Story"), ("paragraph", "Inside main."),
                                          ("paragraph", "By Ann.")]
    article = b"<body><div class='menu'>Links</div><article><p>The one article.</p></article><p>Else.</p></body>"
    assert parse(".html", article).text == "The one article.\n"


def test_html_encodings_and_empty_pages():
    assert parse(".html", "<p>Café</p>".encode("cp1252")).text == "Café\n"
    assert parse(".html", b'<meta charset="iso-8859-1"><p>\xe9t\xe9</p>').text == "été\n"
    assert parse(".html", b"").text == "" and parse(".html", b"<!-- only -->").text == ""


def epub_bytes(chapters: dict[str, str], spine: list[str], title: str = "Sea Tales") -> bytes:
    """An EPUB 3 written by hand: container, package (manifest, spine), XHTML chapters."""
    container = ('<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:'
                 'container"><rootfiles><rootfile full-path="OEBPS/content.opf" '
                 'media-type="application/oebps-package+xml"/></rootfiles></container>')
    items = "".join(f'<item id="{n}" href="{n}.xhtml" media-type="application/xhtml+xml"/>' for n in chapters)
    refs = "".join(f'<itemref idref="{n}"/>' for n in spine)
    package = ('<?xml version="1.0" encoding="UTF-8"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
               f'<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></metadata>'
               f'<manifest>{items}</manifest><spine>{refs}</spine></package>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("mimetype", "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        book.writestr("META-INF/container.xml", container)
        book.writestr("OEBPS/content.opf", package)
        for name, body in chapters.items():
            book.writestr(f"OEBPS/{name}.xhtml", '<?xml version="1.0" encoding="UTF-8"?><html xmlns="http://www.w3.org/'
                          f'1999/xhtml"><head><title>{name}</title></head><body>{body}</body></html>')
    return out.getvalue()


def test_epub_chapters_in_spine_order_through_the_html_reader():
    data = epub_bytes({"nav": '<nav epub:type="toc"><ol><li>One</li></ol></nav>',
                       "two": "<h1>Chapter 2</h1><p>The whale surfaced.</p>",
                       "one": "<h1>Chapter 1</h1><p>The boat left.</p><ul><li>Oars</li></ul>"}, ["nav", "one", "two"])
    document = parse(".epub", data)
    assert document.title == "Sea Tales"
    assert blocks(document) == [("heading", "# Chapter 1"), ("paragraph", "The boat left."), ("item", "- Oars"),
                                ("heading", "# Chapter 2"), ("paragraph", "The whale surfaced.")]


# --- Office formats ---------------------------------------------------------------------

def test_docx_styles_become_headings_items_quotes_and_tables():
    import docx

    made = docx.Document()
    made.add_paragraph("Otter Report", style="Title")
    made.add_heading("Budget", 2)
    made.add_paragraph("The otter fund has 7 staff.")
    made.add_paragraph("Boats", style="List Bullet")
    made.add_paragraph("Oars", style="List Bullet 2")
    made.add_paragraph("Apply", style="List Number")
    made.add_paragraph("Wait", style="List Number")
    made.add_paragraph("Otters hold hands.", style="Quote")
    table = made.add_table(rows=2, cols=2)
    for (row, column), text in {(0, 0): "Item", (0, 1): "Cost", (1, 0): "Boat", (1, 1): "9,000"}.items():
        table.cell(row, column).text = text
    out = io.BytesIO()
    made.save(out)
    document = parse(".docx", out.getvalue())
    assert document.title == "Otter Report"  # no core title: the Title style's text
    assert blocks(document) == [
        ("heading", "# Otter Report"), ("heading", "## Budget"), ("paragraph", "The otter fund has 7 staff."),
        ("item", "- Boats"), ("item", "  - Oars"), ("item", "1. Apply"), ("item", "2. Wait"),
        ("quote", "> Otters hold hands."), ("table", "| Item | Cost |\n|---|---|\n| Boat | 9,000 |")]
    made.core_properties.title = "Core title"
    out = io.BytesIO()
    made.save(out)
    assert parse(".docx", out.getvalue()).title == "Core title"


def test_pptx_slides_are_pages_with_items_tables_and_notes():
    from pptx import Presentation
    from pptx.util import Inches

    made = Presentation()
    first = made.slides.add_slide(made.slide_layouts[1])
    first.shapes.title.text = "Quarterly results"
    body = first.placeholders[1].text_frame
    body.text = "Revenue grew 12%"
    inner = body.add_paragraph()
    inner.text, inner.level = "Exports led", 1
    first.notes_slide.notes_text_frame.text = "Mention the walrus."
    second = made.slides.add_slide(made.slide_layouts[5])
    second.shapes.title.text = "Staff"
    grid = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for (row, column), text in {(0, 0): "City", (0, 1): "Staff", (1, 0): "Paris", (1, 1): "40"}.items():
        grid.cell(row, column).text = text
    second.shapes.add_textbox(Inches(1), Inches(5), Inches(3), Inches(1)).text_frame.text = "Counted in May."
    made.slides.add_slide(made.slide_layouts[6])
    out = io.BytesIO()
    made.save(out)
    document = parse(".pptx", out.getvalue())
    assert document.title == "Quarterly results" and document.page_label == "slide"
    assert [document.text[p:].split("\n")[0] for p in document.pages] == [
        "# Slide 1: Quarterly results", "# Slide 2: Staff", "# Slide 3"]
    assert blocks(document) == [
        ("heading", "# Slide 1: Quarterly results"), ("item", "- Revenue grew 12%"), ("item", "  - Exports led"),
        ("heading", "## Notes"), ("paragraph", "Mention the walrus."), ("heading", "# Slide 2: Staff"),
        ("table", "| City | Staff |\n|---|---|\n| Paris | 40 |"), ("paragraph", "Counted in May."),
        ("heading", "# Slide 3")]


def test_xlsx_sheets_are_pages_with_their_used_range(monkeypatch):
    import datetime

    import openpyxl

    book = openpyxl.Workbook()
    staff = book.active
    staff.title = "Staff"
    staff["B3"], staff["C3"], staff["D3"] = "City", "Staff", "Opened"
    staff["B4"], staff["C4"], staff["D4"] = "Paris", 40.0, datetime.datetime(2020, 5, 1)
    staff["B6"], staff["C6"] = "Oslo", 7.5
    book.create_sheet("Empty")
    plans = book.create_sheet("Plans")
    for row in (["Plan", "Price"], ["Team", "$29"], ["Basic", "$9"]):
        plans.append(row)
    book.properties.title = "Office data"
    out = io.BytesIO()
    book.save(out)
    document = parse(".xlsx", out.getvalue())
    assert document.title == "Office data" and document.page_label == "sheet"
    assert [document.text[p:].split("\n")[0] for p in document.pages] == ["# Staff", "# Plans"]
    assert blocks(document) == [
        ("heading", "# Staff"), ("table", "| City | Staff | Opened |\n|---|---|---|\n| Paris | 40 | 2020-05-01 |\n"
                                          "| Oslo | 7.5 |  |"),
        ("heading", "# Plans"), ("table", "| Plan | Price |\n|---|---|\n| Team | $29 |\n| Basic | $9 |")]
    from index.formats import xlsx

    monkeypatch.setattr(xlsx, "MAX_SHEET_ROWS", 1)
    assert "(Only the first 1 rows under this sheet's header were read.)" in parse(".xlsx", out.getvalue()).text


def test_odt_headings_lists_tables_and_footnotes():
    from odf import dc, table, text
    from odf.opendocument import OpenDocumentText

    made = OpenDocumentText()
    made.meta.addElement(dc.Title(text="Ferry timetable"))
    made.text.addElement(text.H(outlinelevel=1, text="Routes"))
    paragraph = text.P(text="The ferry leaves at  nine.")
    note = text.Note(noteclass="footnote")
    note.addElement(text.NoteCitation(text="1"))
    body = text.NoteBody()
    body.addElement(text.P(text="Except on Sundays."))
    note.addElement(body)
    paragraph.addElement(note)
    made.text.addElement(paragraph)
    outer, item = text.List(), text.ListItem()
    item.addElement(text.P(text="Oslo"))
    inner, inner_item = text.List(), text.ListItem()
    inner_item.addElement(text.P(text="Pier four"))
    inner.addElement(inner_item)
    item.addElement(inner)
    outer.addElement(item)
    made.text.addElement(outer)
    grid = table.Table(name="Times")
    grid.addElement(table.TableColumn(numbercolumnsrepeated=2))
    for cells in (("Port", "Time"), ("Oslo", "09:00")):
        row = table.TableRow()
        for value in cells:
            cell = table.TableCell()
            cell.addElement(text.P(text=value))
            row.addElement(cell)
        grid.addElement(row)
    made.text.addElement(grid)
    out = io.BytesIO()
    made.write(out)
    document = parse(".odt", out.getvalue())
    assert document.title == "Ferry timetable"
    assert blocks(document) == [
        ("heading", "# Routes"), ("paragraph", "The ferry leaves at nine."), ("paragraph", "Except on Sundays."),
        ("item", "- Oslo"), ("item", "  - Pier four"), ("table", "| Port | Time |\n|---|---|\n| Oslo | 09:00 |")]


# --- Notebooks, reStructuredText --------------------------------------------------------

def test_notebook_markdown_and_code_cells_outputs_left_out():
    import nbformat

    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook = nbformat.v4.new_notebook(metadata={"kernelspec": kernel})
    notebook.cells = [
        nbformat.v4.new_markdown_cell("# Tides\n\nThe tide turns\ntwice a day.\n\n- high water\n  at noon\n- low water"),
        nbformat.v4.new_code_cell("print(2 * 6)", outputs=[nbformat.v4.new_output("stream", text="SECRET 12\n")])]
    document = parse(".ipynb", nbformat.writes(notebook).encode())
    assert blocks(document) == [("heading", "# Tides"), ("paragraph", "The tide turns twice a day."),
                                ("item", "- high water at noon"), ("item", "- low water"),
                                ("code", "```python\nprint(2 * 6)\n```")]
    assert "SECRET" not in document.text
    with pytest.raises(SkipFile, match="invalid JSON"):
        parse(".ipynb", b"\x80\x04pickle?")


PEP = b"""PEP: 9999
Title: Ferry Schedules
Author: Ann Sailor <ann@example.org>,
        Bo Mate <bo@example.org>
Status: Draft
Created: 01-Jan-2025
Post-History: `02-Jan-2025 <https://example.org/t/1>`__


Abstract
========

Ferries leave at ``09:00`` (see :pep:`8`, `the docs <https://example.org>`_ and :ref:`times <t>`).

.. note:: Tickets are cheap.

Details
-------

- first item
  continues here

  - nested item

Pier
    Where ferries dock.

.. code-block:: python
   :class: good

   print("ahoy")

.. include:: /etc/passwd

.. raw:: html

   <script>alert(1)</script>

.. a comment that is left out
"""


def test_rst_pep_header_sections_lists_code_and_nothing_from_outside():
    document = parse(".rst", PEP)
    assert document.title == "Ferry Schedules"
    assert dict(document.metadata)["Author"] == "Ann Sailor <ann@example.org>, Bo Mate <bo@example.org>"
    assert blocks(document) == [
        ("field", "PEP: 9999"), ("field", "Title: Ferry Schedules"),
        ("field", "Author: Ann Sailor <ann@example.org>, Bo Mate <bo@example.org>"), ("field", "Status: Draft"),
        ("field", "Created: 01-Jan-2025"), ("field", "Post-History: 02-Jan-2025"), ("heading", "# Abstract"),
        ("paragraph", "Ferries leave at 09:00 (see PEP 8, the docs and times)."),
        ("paragraph", "Note: Tickets are cheap."), ("heading", "## Details"),
        ("item", "- first item continues here"), ("item", "  - nested item"), ("field", "Pier: Where ferries dock."),
        ("code", '```python\nprint("ahoy")\n```')]
    for outside in ("root:", "script", "comment"):
        assert outside not in document.text


def test_rst_reads_the_pep_corpus():
    from .conftest import SHARED, shared_dataset

    folder = shared_dataset(SHARED / "corpora" / "peps")
    for path in sorted(folder.glob("*.rst")):
        document = parse(".rst", path.read_bytes())
        assert document.title and dict(document.metadata).get("Status"), path.name
        assert sum(b.kind == "heading" for b in document.blocks) >= 1, path.name
        blocks(document)


# --- Limits: zip bombs, text size -------------------------------------------------------

def _deflate(data: bytes) -> bytes:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return compressor.compress(data) + compressor.flush()


@functools.cache
def _spaces(megabytes: int) -> tuple[bytes, int]:
    """``megabytes`` MB of spaces, raw-deflated (one MB compressed with a full flush, so every
    MB compresses to the same bytes: repeated, not recompressed) and its CRC-32."""
    chunk = b" " * (1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(chunk) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(megabytes):
        crc = zlib.crc32(chunk, crc)
    return block * megabytes + compressor.flush(), crc


def bomb(valid: bytes, part: str, megabytes: int = 1024, declared: int | None = None) -> bytes:
    """The zip ``valid`` with its entry ``part`` replaced by ``megabytes`` MB of spaces that
    deflate to about a thousandth of that, written by hand (zipfile would compress it all);
    ``declared``: the expanded size its headers state, where they lie."""
    source = zipfile.ZipFile(io.BytesIO(valid))
    entries = [(i.filename, _deflate(source.read(i)), zlib.crc32(source.read(i)), i.file_size)
               for i in source.infolist() if i.filename != part]
    entries.append((part, *_spaces(megabytes), declared or megabytes << 20))
    out, central = io.BytesIO(), []
    for name, deflated, crc, size in entries:
        offset, encoded = out.tell(), name.encode()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(deflated), size, len(encoded), 0))
        out.write(encoded + deflated)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc, len(deflated), size,
                                   len(encoded), 0, 0, 0, 0, 0, offset) + encoded)
    directory = b"".join(central)
    start = out.tell()
    out.write(directory + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(directory),
                                      start, 0))
    return out.getvalue()


def _office_files() -> dict[str, tuple[bytes, str]]:
    import docx
    import openpyxl
    from odf import text
    from odf.opendocument import OpenDocumentText
    from pptx import Presentation

    made: dict[str, tuple[bytes, str]] = {}
    for suffix, document, save, part in (
            (".docx", docx.Document(), "save", "word/document.xml"),
            (".pptx", Presentation(), "save", "ppt/slides/slide1.xml"),
            (".xlsx", openpyxl.Workbook(), "save", "xl/worksheets/sheet1.xml"),
            (".odt", OpenDocumentText(), "write", "content.xml")):
        if suffix == ".pptx":
            document.slides.add_slide(document.slide_layouts[0])
        if suffix == ".odt":
            document.text.addElement(text.P(text="x"))
        out = io.BytesIO()
        getattr(document, save)(out)
        made[suffix] = out.getvalue(), part
    made[".epub"] = epub_bytes({"one": "<p>x</p>"}, ["one"]), "OEBPS/one.xhtml"
    return made


def test_zip_bombs_are_refused_before_anything_is_expanded():
    """The probe's 1 GB DOCX and the same shape of PPTX, XLSX, ODT and EPUB: refused from the
    central directory, quickly and with little memory, in the worker as in this process."""
    for suffix, (valid, part) in _office_files().items():
        data = bomb(valid, part)
        assert len(data) < 2 << 20
        started = time.monotonic()
        with pytest.raises(SkipFile, match=r"zip bomb\? .* expands from .* to 1\.0 GB"):
            sandbox.read_in_worker(suffix, data, memory_bytes=512 << 20)  # 1 GB expanded would not fit
        tracemalloc.start()
        with pytest.raises(SkipFile, match="zip bomb"):
            parse(suffix, data)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        assert peak < 20 << 20 and time.monotonic() - started < 5, suffix


def test_zip_limits_ratio_total_and_entries():
    valid, part = _office_files()[".docx"]
    with pytest.raises(SkipFile, match=r"expands from .* to 100\.0 MB \(more than 100 times\)"):
        check_zip(bomb(valid, part, 100))  # the probe's 390 KB variant: under the total, over the ratio
    with pytest.raises(SkipFile, match="expand to more than 1.0 MB"):
        check_zip(bomb(valid, part, 2), max_total=1 << 20, max_ratio=1e9)
    started = time.monotonic()
    with pytest.raises(SkipFile, match=r"expands beyond its declared 4,096 bytes"):  # headers that lie
        parse(".docx", bomb(valid, part, 1024, declared=4096))
    assert time.monotonic() - started < 1
    many = io.BytesIO()
    with zipfile.ZipFile(many, "w") as archive:
        for number in range(10_001):
            archive.writestr(f"{number}.xml", b"")
    with pytest.raises(SkipFile, match="10,001 entries"):
        parse(".docx", many.getvalue())
    with pytest.raises(SkipFile, match="not a valid zip"):
        parse(".xlsx", b"PK\x03\x04 truncated")


def test_xml_entities_are_never_expanded():
    laughs = ('<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "haha"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
              '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;">]>'
              '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
              'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:text>'
              '<text:p>Before &d; after.</text:p></office:text></office:body></office:document-content>')
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("content.xml", laughs)
    assert "haha" not in parse(".odt", out.getvalue()).text


def test_text_beyond_the_limit_is_refused():
    writer = BoundedWriter(max_chars=40)
    writer.paragraph("Thirty characters of text ...")
    with pytest.raises(SkipFile, match="more than 40 characters of text"):
        writer.paragraph("and more words")


# --- The worker ---------------------------------------------------------------------------

def read(data: bytes) -> ParsedDocument:
    """This module as a reader that misbehaves as ``data`` asks: the worker tests below point
    a suffix at it."""
    if data == b"hang":
        time.sleep(3600)
    if data == b"memory":
        hoard = []
        while True:
            hoard.append(bytearray(64 << 20))
    if data == b"crash":
        os.abort()
    if data == b"exit":
        os._exit(3)
    if data == b"bug":
        raise KeyError("/secret/path")
    writer = BoundedWriter()
    writer.paragraph(data.decode())
    return writer.result(title="fine")


@pytest.fixture
def hostile(monkeypatch):
    monkeypatch.setitem(sandbox.READERS, ".hostile", __name__)
    yield lambda data, **limits: sandbox.read_in_worker(".hostile", data, **limits)
    sandbox.shutdown()


def test_worker_reads_and_is_reused(hostile):
    assert hostile(b"Plain words.").text == "Plain words.\n"
    first = sandbox._WORKER._process.pid
    document = sandbox.read_in_worker(".html", PAGE)
    assert document == parse(".html", PAGE) and sandbox._WORKER._process.pid == first


@pytest.mark.parametrize("data, limits, reason", [
    (b"hang", {"timeout_s": 1}, r"took longer than 1 s to read"),
    (b"memory", {"memory_bytes": 512 << 20}, r"needed more than 0\.5 GB to read"),
    (b"crash", {}, r"crashed the reader"),
    (b"exit", {}, r"the reader process exited \(status 3\)"),
    (b"bug", {}, r"^could not be read \(KeyError\)$"),
])
def test_a_hostile_reader_costs_one_worker_and_the_next_file_is_read(hostile, data, limits, reason):
    started = time.monotonic()
    with pytest.raises(SkipFile, match=reason):
        hostile(data, **limits)
    assert time.monotonic() - started < 10
    assert hostile(b"Next file.", **limits).title == "fine"


def test_threads_share_the_worker_one_file_at_a_time(hostile):
    from concurrent.futures import ThreadPoolExecutor

    words = [f"File number {n}." for n in range(12)]
    with ThreadPoolExecutor(4) as pool:
        texts = list(pool.map(lambda w: hostile(w.encode()).text, words))
    assert texts == [f"{w}\n" for w in words]


def test_unsupported_and_malformed_files_are_skipped_with_a_short_reason():
    with pytest.raises(SkipFile, match=r"unsupported type \.xyz"):
        sandbox.read_document(".xyz", b"data")
    with pytest.raises(SkipFile, match=r"^not a valid zip file \(BadZipFile\)$"):
        sandbox.read_in_worker(".docx", b"not a zip")
