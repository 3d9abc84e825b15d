"""The PDF reader (index/formats/pdf.py) on PDFs written here with reportlab: two columns, a
running header and page numbers, a word hyphenated at a line's end, a ligature character, a
figure drawn with labelled boxes, a ruled table and a listing."""

from __future__ import annotations

import io
import os

import pytest

reportlab = pytest.importorskip("reportlab")
from reportlab.pdfbase import pdfmetrics  # noqa: E402
from reportlab.pdfbase.ttfonts import TTFont  # noqa: E402
from reportlab.pdfgen import canvas  # noqa: E402

from index.document_model import HEADING  # noqa: E402
from index.formats import SkipFile, pdf  # noqa: E402

FONTS = os.path.join(os.path.dirname(reportlab.__file__), "fonts")
pdfmetrics.registerFont(TTFont("Vera", os.path.join(FONTS, "Vera.ttf")))  # has the ﬁ glyph
pdfmetrics.registerFont(TTFont("VeraBd", os.path.join(FONTS, "VeraBd.ttf")))

LEFT, RIGHT, WIDTH, TOP, STEP = 60, 320, 230, 660, 10
HEADER = "Widget Systems — Draft"

# The first paragraph: its lines as laid out in the left column and on at the right column's
# top; "sys-" / "tems" is a word hyphenated at a line's end, "two-" / "column" a compound.
PARAGRAPH_LINES = [
    "Widget systems are built from small parts that",
    "talk to each other over a network. Each part keeps",
    "a local \ufb01le of its state and sends updates to the",
    "others. The design of such sys-",
    "tems is the subject of this two-",
    "column paper, and we measure how they behave",
    "under load when the network is slow or the disks",
]
PARAGRAPH_END = ["are full of old data."]
PARAGRAPH = ("Widget systems are built from small parts that talk to each other over a network. "
             "Each part keeps a local file of its state and sends updates to the others. The design "
             "of such systems is the subject of this two-column paper, and we measure how they behave "
             "under load when the network is slow or the disks are full of old data.")
SECOND_LINES = [
    "A two-column layout is read down the left column",
    "first and then down the right one.",
]
CAPTION = "Figure 1: A client sends each request to the server."
AFTER_FIGURE = ["The server answers from its cache when it can.", "Otherwise it reads the disk."]


def _header(c: canvas.Canvas, number: int) -> None:
    c.setFont("Vera", 7)
    c.drawString(LEFT, 760, HEADER)
    c.drawRightString(RIGHT + WIDTH, 760, str(number))
    c.drawCentredString(306, 40, str(number))


def _lines(c: canvas.Canvas, x: float, y: float, lines: list[str], indent: float = 0, font=("Vera", 8)) -> float:
    c.setFont(*font)
    for i, line in enumerate(lines):
        c.drawString(x + (indent if i == 0 else 0), y, line)
        y -= STEP
    return y


def make_paper() -> bytes:
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, pagesize=(612, 792))
    # page 1: title, author, a heading, a paragraph across both columns, a figure
    _header(c, 1)
    c.setFont("VeraBd", 20)
    c.drawCentredString(306, 715, "A Study of Widget Systems")
    c.setFont("Vera", 12)
    c.drawCentredString(306, 692, "Ann Author")
    c.setFont("VeraBd", 12)
    c.drawString(LEFT, TOP, "1 Introduction")
    y = TOP - 20
    for row in range(36):  # a first paragraph, so that the next one runs on into the right column
        y = _lines(c, LEFT, y, ["Filler text keeps the column going down the page;" if row % 2 else
                                "more filler text keeps the column going down here,"], indent=10 if row == 0 else 0)
    y = _lines(c, LEFT, y, ["and so the paragraph ends on this line."])
    _lines(c, LEFT, y, PARAGRAPH_LINES, indent=10)
    y = _lines(c, RIGHT, TOP - 20, PARAGRAPH_END)
    _lines(c, RIGHT, y, SECOND_LINES, indent=10)
    # the figure: three labelled boxes and a labelled arrow, then its caption
    c.setLineWidth(1)
    c.setFont("Vera", 7)
    for label, bx, by in (("Client", RIGHT + 10, 560), ("Server", RIGHT + 140, 560), ("Cache", RIGHT + 140, 500)):
        c.rect(bx, by, 70, 30)
        c.drawCentredString(bx + 35, by + 12, label)
    c.line(RIGHT + 80, 575, RIGHT + 140, 575)
    c.line(RIGHT + 134, 579, RIGHT + 140, 575)
    c.line(RIGHT + 134, 571, RIGHT + 140, 575)
    c.drawCentredString(RIGHT + 110, 580, "lookup")
    c.line(RIGHT + 175, 560, RIGHT + 175, 530)
    _lines(c, RIGHT, 475, [CAPTION])
    _lines(c, RIGHT, 445, AFTER_FIGURE, indent=10)
    c.showPage()
    # page 2: a heading, a paragraph, a ruled table, a listing
    _header(c, 2)
    c.setFont("VeraBd", 12)
    c.drawString(LEFT, TOP, "2 Results")
    y = _lines(c, LEFT, TOP - 20, ["The results are in Table 1 and the code", "that made them is below."], indent=10)
    _lines(c, LEFT, y - 8, ["Table 1: Parts counted in each run."])
    top = y - 18
    c.setLineWidth(0.5)
    for rule_y in (top, top - 16, top - 56):
        c.line(LEFT, rule_y, LEFT + WIDTH, rule_y)
    c.setFont("Vera", 7)
    for i, (name, count) in enumerate((("Name", "Count"), ("gears", "12"), ("springs", "7"))):
        ry = top - 12 - (i * 14 + (4 if i else 0))
        c.drawString(LEFT + 4, ry, name)
        c.drawString(LEFT + 120, ry, count)
    y = _lines(c, LEFT, top - 80, ["The counting loop is short:"], indent=10)
    c.setFont("Courier", 7)
    for i, line in enumerate(["for item in items:", "    count(item)"]):
        c.drawString(LEFT + 10, y - 6 - i * 9, line)
    c.showPage()
    c.save()
    return buffer.getvalue()


@pytest.fixture(scope="module")
def paper():
    return pdf.read(make_paper())


def blocks(doc, kind=None):
    return [(b, doc.text[b.start:b.end]) for b in doc.blocks if kind is None or b.kind == kind]


def test_paragraph_across_columns_with_hyphen_and_ligature(paper):
    paragraphs = [text for _, text in blocks(paper, "paragraph")]
    assert PARAGRAPH in paragraphs  # one block, in reading order, "systems" joined, "ﬁ" → "fi"
    assert "\ufb01" not in paper.text and "sys-" not in paper.text and "sys tems" not in paper.text


def test_compound_hyphen_kept_and_columns_in_order(paper):
    assert "two-column paper" in paper.text  # hyphenated mid-line elsewhere: a compound
    text = paper.text
    assert text.index("Filler text") < text.index("ends on this line.") < text.index("Widget systems are built")
    assert text.index("full of old data") < text.index("A two-column layout is read") < text.index(CAPTION)


def test_running_header_and_page_numbers_dropped(paper):
    assert HEADER not in paper.text and "Draft" not in paper.text
    assert not [text for _, text in blocks(paper) if text.strip().isdigit()]


def test_figure_labels_dropped_caption_kept(paper):
    for label in ("Client", "Server", "Cache", "lookup"):
        assert label not in paper.text
    assert CAPTION in [text for _, text in blocks(paper, "paragraph")]
    assert "The server answers from its cache when it can. Otherwise it reads the disk." in paper.text


def test_title_and_headings(paper):
    headings = [(b.level, text) for b, text in blocks(paper, HEADING)]
    assert headings == [(1, "# A Study of Widget Systems"), (2, "## 1 Introduction"), (2, "## 2 Results")]
    assert paper.title == "A Study of Widget Systems"  # reportlab's metadata says "untitled"
    assert "Ann Author" in [text for _, text in blocks(paper, "paragraph")]


def test_page_starts(paper):
    assert len(paper.pages) == 2 and paper.pages[0] == 0 and paper.page_label == "page"
    second = paper.text.index("## 2 Results")
    assert paper.pages[1] == second
    assert paper.text.index(PARAGRAPH) < second < paper.text.index("The results are in Table 1")


def test_table_and_listing(paper):
    tables = [text for _, text in blocks(paper, "table")]
    assert tables == ["| Name | Count |\n|---|---|\n| gears | 12 |\n| springs | 7 |"]
    codes = [text for _, text in blocks(paper, "code")]
    assert codes == ["```\nfor item in items:\n    count(item)\n```"]


def test_every_block_span_is_exact(paper):
    assert paper.blocks
    for block, text in blocks(paper):
        assert text and text == text.strip()
        if block.kind == "paragraph":
            assert "\n" not in text and "  " not in text
        if block.kind == HEADING:
            assert text.startswith("#" * block.level + " ")
    assert paper.text.endswith("\n")


@pytest.mark.parametrize("data", [b"", b"hello", b"%PDF-1.4\n1 0 obj garbage", b"%PDF-1.7\n" + b"\0" * 64])
def test_malformed_pdf_is_skipped(data):
    with pytest.raises(SkipFile, match="unreadable PDF"):
        pdf.read(data)


def test_truncated_pdf_is_skipped_or_read():
    data = make_paper()
    for cut in (len(data) // 3, len(data) // 2, len(data) - 40):
        try:
            document = pdf.read(data[:cut])  # pdfium may recover what it can
        except SkipFile as error:
            assert "unreadable PDF" in str(error)
        else:
            for block in document.blocks:
                assert document.text[block.start:block.end].strip()


def test_pages_are_capped(monkeypatch):
    monkeypatch.setattr(pdf, "MAX_PAGES", 1)
    document = pdf.read(make_paper())
    assert "2 Results" not in document.text and PARAGRAPH in document.text and len(document.pages) == 1


def test_password_protected_pdf_is_skipped():
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer, encrypt="secret")
    c.drawString(100, 700, "hidden words")
    c.showPage()
    c.save()
    with pytest.raises(SkipFile, match=r"unreadable PDF \(password-protected\)"):
        pdf.read(buffer.getvalue())


def test_pages_without_text_give_an_empty_document():
    buffer = io.BytesIO()
    c = canvas.Canvas(buffer)
    c.rect(100, 100, 200, 200, fill=1)  # a scan would be an image: no text either
    c.showPage()
    c.showPage()
    c.save()
    document = pdf.read(buffer.getvalue())
    assert document.text == "" and document.blocks == ()
