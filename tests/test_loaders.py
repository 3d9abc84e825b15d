"""Loaders: every supported format gives text; bad files are skipped with a reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.chunking import ChunkerSettings, chunk_document
from index.loaders import SkipFile
from index.loaders import read_document as load_text  # every format, as the indexer reads it

from .documents import XSS_HTML, docx_bytes, pdf_bytes


def test_html_keeps_visible_text_and_headings_but_drops_scripts():
    loaded = load_text(Path("page.html"), XSS_HTML.encode())
    assert loaded.title == "Hostile page"
    assert "# Zebra tariffs" in loaded.text
    assert "The zebra tariff is nine percent." in loaded.text
    assert "document.title" not in loaded.text and "alert('head')" not in loaded.text
    assert "<script>alert('text')</script>" in loaded.text  # escaped text stays text
    title, chunks = chunk_document("page.html", loaded.text, ChunkerSettings(), loaded.title)
    assert title == "Hostile page" and chunks[0].section == "Zebra tariffs"


def test_pdf_text_is_extracted():
    loaded = load_text(Path("memo.pdf"), pdf_bytes(["Quarterly memo", "The walrus budget is 42 million."]))
    assert "walrus budget is 42 million" in loaded.text


def test_docx_headings_become_sections():
    loaded = load_text(Path("notes.docx"), docx_bytes("Budget", ["The otter fund has 7 staff."], {
        "Staffing": ["Two rangers joined in May."], "Equipment": ["The boat cost 9,000 euros."]}))
    title, chunks = chunk_document("notes.docx", loaded.text, ChunkerSettings(), loaded.title)
    assert title == "Budget"
    assert [(c.section, c.text) for c in chunks] == [
        ("", "The otter fund has 7 staff."), ("Staffing", "Two rangers joined in May."),
        ("Equipment", "The boat cost 9,000 euros.")]
    assert all(loaded.text[c.start:c.end] == c.text for c in chunks)


def test_html_and_docx_tables_become_markdown_tables():
    """Cells were run together ("PlanPrice", "Team$29") in HTML and left out of DOCX text."""
    page = ("<html><body><p>Our plans:</p><table><thead><tr><th>Plan</th><th>Price</th></tr></thead>"
            "<tr><td><b>Te</b>am</td><td>$29<br>per month | billed yearly</td></tr>"
            "<tr><td>Basic</td><td><p>$9</p></td></tr></table><p>Prices include tax.</p></body></html>")
    assert load_text(Path("plans.html"), page.encode()).text == (
        "Our plans:\n\n| Plan | Price |\n|---|---|\n| Team | $29 per month / billed yearly |\n| Basic | $9 |\n\n"
        "Prices include tax.\n")
    import io

    import docx

    document = docx.Document()
    document.add_paragraph("Our plans:")
    table = document.add_table(rows=2, cols=2)
    for (row, column), text in {(0, 0): "Plan", (0, 1): "Price", (1, 0): "Team", (1, 1): "$29"}.items():
        table.cell(row, column).text = text
    document.add_paragraph("Prices include tax.")
    data = io.BytesIO()
    document.save(data)
    assert load_text(Path("plans.docx"), data.getvalue()).text == (
        "Our plans:\n\n| Plan | Price |\n|---|---|\n| Team | $29 |\n\nPrices include tax.\n")


def test_csv_and_tsv_files_become_markdown_tables():
    """They had been skipped as unsupported types."""
    offices = load_text(Path("offices.csv"), b'City,Address,Staff\r\nParis,"12 Rue de Rivoli, 4th floor",85\r\n'
                                             b'\r\nLisbon,Rua Augusta 1\r\n').text
    assert offices == ("| City | Address | Staff |\n|---|---|---|\n| Paris | 12 Rue de Rivoli, 4th floor | 85 |\n"
                       "| Lisbon | Rua Augusta 1 |  |\n")  # a quoted comma kept, a blank row left out, a short row padded
    assert load_text(Path("stock.tsv"), b"product\tprice\nWidget\t$4.50 | each\n").text == (
        "| product | price |\n|---|---|\n| Widget | $4.50 / each |\n")
    assert load_text(Path("eu.csv"), "Stadt;Einwohner\nKöln;1.084.831\n".encode()).text.splitlines()[2] == (
        "| Köln | 1.084.831 |")  # the delimiter is sniffed


def test_an_email_reads_as_its_headers_and_body_with_its_subject_for_a_title():
    """A .eml file had been skipped as an unsupported type."""
    message = (b'From: Priya Natarajan <priya@example.com>\nTo: Platform team <platform@example.com>\n'
               b'Date: Mon, 9 Jun 2025 10:12:00 +0000\nSubject: Database migration moved\n  to Saturday\n'
               b'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="b1"\n\n--b1\n'
               b'Content-Type: multipart/alternative; boundary="b2"\n\n--b2\n'
               b'Content-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: quoted-printable\n\n'
               b'Hi all,\n\nThe migration starts at 22:00 UTC. Marco will run it =E2=80=94 not me.\n--b2\n'
               b'Content-Type: text/html\n\n<p>Hi all, the HTML part.</p>\n--b2--\n--b1\n'
               b'Content-Type: application/pdf\nContent-Disposition: attachment; filename="plan.pdf"\n\nJVBERi0=\n--b1--\n')
    loaded = load_text(Path("migration.eml"), message)
    assert loaded.title == "Database migration moved to Saturday"
    assert loaded.text == ("From: Priya Natarajan <priya@example.com>\nTo: Platform team <platform@example.com>\n"
                           "Date: Mon, 09 Jun 2025 10:12:00 +0000\nSubject: Database migration moved to Saturday\n\n"
                           "Hi all,\n\nThe migration starts at 22:00 UTC. Marco will run it — not me.\n")
    html_only = load_text(Path("note.eml"), b"Subject: Plan\nContent-Type: text/html\n\n"
                                            b"<h2>Plan</h2><p>Ship it <b>Monday</b>.</p><script>steal()</script>")
    assert html_only.title == "Plan" and html_only.text == "Subject: Plan\n\n## Plan\n\nShip it Monday.\n"


def test_pdf_pages_are_kept_as_offsets():
    loaded = load_text(Path("memo.pdf"), pdf_bytes(["Page one text."], ["Page two text."], ["The third page."]))
    assert len(loaded.pages) == 3 and loaded.pages[0] == 0
    for number, start in enumerate(loaded.pages, start=1):
        assert loaded.text[start:].startswith(("Page one", "Page two", "The third")[number - 1])


def test_windows_1252_text_is_decoded():
    assert load_text(Path("old.txt"), "Caf\xe9 prices rose.".encode("cp1252")).text == "Café prices rose."


def test_control_characters_are_removed():
    assert load_text(Path("esc.txt"), b"red \x1b[31mALERT\x1b[0m text\r\n").text == "red [31mALERT[0m text\n"


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "no text"),
    ("blank.md", b"  \n\n\t ", "no text"),
    ("binary.txt", b"\x00\x01\x02binary" * 10, "binary"),
    ("image.png", b"\x89PNG\r\n", "unsupported type .png"),
    ("broken.pdf", b"%PDF-1.4 this is not really a pdf", "unreadable PDF"),
    ("broken.docx", b"PK\x03\x04 not a zip", "not a valid zip file"),
    ("undecodable.txt", b"\x81\x8d\x8f\x90\x9d" * 20, "not UTF-8"),
    ("empty.csv", b"\n,,\n\n", "no text"),
    ("empty.eml", b"Subject: nothing here\n\n \n", "no text"),
    ("bad-charset.eml", b"Subject: x\nContent-Type: text/plain; charset=klingon-8\n\nQapla'", "unreadable email"),
])
def test_bad_files_are_skipped_with_a_reason(name, data, reason):
    with pytest.raises(SkipFile, match=reason):
        load_text(Path(name), data)
