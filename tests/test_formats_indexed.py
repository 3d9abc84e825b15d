"""Every format indexed from a folder and by upload, end to end: files written by their own
libraries, questions answered from each, every citation exact, slides and sheets named; and a
zip bomb among them skipped with its reason while the rest is indexed."""

from __future__ import annotations

import io

from index.builder import build_index
from qa import Assistant
from qa.display import place
from ui.uploads import save_uploads

from .test_formats import bomb, epub_bytes


def pptx_bytes() -> bytes:
    from pptx import Presentation

    deck = Presentation()
    for title, body in (("Harbour plan", "The plan covers three piers."),
                        ("Budget", "The dredging budget is 4.2 million euros.")):
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
    out = io.BytesIO()
    deck.save(out)
    return out.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    book.active.title = "Staff"
    book.active.append(["Office", "Staff"])
    book.active.append(["Oslo", 12])
    prices = book.create_sheet("Prices")
    prices.append(["Fruit", "Price per kilo"])
    prices.append(["Cloudberry", "38 kroner"])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def docx_bytes() -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Lighthouse log", 1)
    document.add_paragraph("The lighthouse lamp was replaced in 1987 with an electric one.")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def odt_bytes() -> bytes:
    from odf import text
    from odf.opendocument import OpenDocumentText

    document = OpenDocumentText()
    document.text.addElement(text.H(outlinelevel=1, text="Ferry notes"))
    document.text.addElement(text.P(text="The night ferry to Tromsø leaves at 23:40 every Friday."))
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def notebook_bytes() -> bytes:
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Tide model\n\nThe tide model is fitted on 19 years of gauge data."),
                      nbformat.v4.new_code_cell("model = fit_tides(gauges, years=19)")]
    return nbformat.writes(notebook).encode()


RST = """Glacier survey
==============

The glacier retreated 41 metres between the two surveys.

Methods
-------

Stakes were drilled into the ice every 200 metres.
"""

FILES = {
    "harbour.pptx": pptx_bytes, "offices.xlsx": xlsx_bytes, "lighthouse.docx": docx_bytes,
    "ferry.odt": odt_bytes, "tides.ipynb": notebook_bytes, "glacier.rst": lambda: RST.encode(),
    "sagas.epub": lambda: epub_bytes({"one": "<h1>Sagas</h1><p>The saga of the whale was told over nine winters.</p>"},
                                     ["one"], "Sagas"),
}
QUESTIONS = {
    "What is the dredging budget?": ("harbour.pptx", "4.2 million euros", "slide 2"),
    "How much do cloudberries cost per kilo?": ("offices.xlsx", "38 kroner", "sheet 2"),
    "When was the lighthouse lamp replaced?": ("lighthouse.docx", "1987", None),
    "When does the night ferry to Tromsø leave?": ("ferry.odt", "23:40", None),
    "How many years of gauge data is the tide model fitted on?": ("tides.ipynb", "19 years", None),
    "How far did the glacier retreat between the surveys?": ("glacier.rst", "41 metres", None),
    "For how many winters was the saga of the whale told?": ("sagas.epub", "nine winters", None),
}


def ask_all(assistant: Assistant) -> None:
    for question, (doc, fact, page) in QUESTIONS.items():
        answer = assistant.ask(question)
        assert not answer.abstained and fact in answer.text, (question, answer.text)
        cited = answer.citations[0]
        assert cited.doc.endswith(doc), (question, cited.doc)
        assert assistant.document(cited.doc).text[cited.start:cited.end] == cited.quote
        if page:
            assert page in place(cited.doc, cited.section, cited.line_start, cited.line_end, cited.page)


def test_every_format_from_a_folder_with_a_bomb_beside_them(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, make in FILES.items():
        (corpus / name).write_bytes(make())
    (corpus / "bomb.docx").write_bytes(bomb(docx_bytes(), "word/document.xml"))
    summary = build_index(corpus, tmp_path / "index", embedder=embedder)
    assert set(summary.skipped) == {"bomb.docx"} and "zip" in summary.skipped["bomb.docx"].lower()
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        ask_all(assistant)


def test_every_format_by_upload(tmp_path, embedder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "readme.md").write_text("# Archive\n\nThis archive holds field reports.\n")
    uploads = []
    for name, make in FILES.items():
        (tmp_path / name).write_bytes(make())
        uploads.append((name, tmp_path / name))
    report = save_uploads(uploads, corpus)
    assert len(report.saved) == len(FILES), report.message()
    build_index(corpus, tmp_path / "index", embedder=embedder)
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        ask_all(assistant)


def test_an_upload_that_cannot_be_read_is_not_kept(tmp_path):
    """Uploads that could not be indexed (a zip bomb, a malformed PDF, binary text) had been kept
    in uploads/ and skipped again at every start."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    files = {"bomb.docx": bomb(docx_bytes(), "word/document.xml"), "broken.pdf": b"%PDF-1.4 not really",
             "nul.txt": b"\x00\x01binary" * 10, "fine.docx": docx_bytes()}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    report = save_uploads([(name, tmp_path / name) for name in files], corpus)
    assert report.saved == ["uploads/fine.docx"]
    assert {name for name, _ in report.rejected} == {"bomb.docx", "broken.pdf", "nul.txt"}
    assert all(reason.startswith("cannot be indexed: ") for _, reason in report.rejected)
    assert sorted(p.name for p in (corpus / "uploads").iterdir()) == ["fine.docx"]
