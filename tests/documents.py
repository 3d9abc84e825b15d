"""Real documents of every supported format, made on the fly for tests, and asked questions."""

from __future__ import annotations

import io

from qa.records import Hit


def pdf_bytes(lines: list[str], *more_pages: list[str]) -> bytes:
    """A minimal valid PDF showing ``lines`` in Helvetica on page 1, each of ``more_pages`` on
    a page of its own."""
    pages = [lines, *more_pages]
    first_page = 4  # objects: catalog, pages, font, then a page and its content stream per page
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects = ["<< /Type /Catalog /Pages 2 0 R >>",
               f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>",
               "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    for i, page_lines in enumerate(pages):
        text_ops = "BT /F1 12 Tf 72 720 Td 14 TL " + " ".join(
            f"({line.replace('(', '[').replace(')', ']')}) '" for line in page_lines) + " ET"
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {first_page + 2 * i + 1} 0 R "
                       "/Resources << /Font << /F1 3 0 R >> >> >>")
        objects.append(f"<< /Length {len(text_ops)} >>\nstream\n{text_ops}\nendstream")
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n{body}\nendobj\n".encode("latin-1"))
    xref = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


def docx_bytes(heading: str, paragraphs: list[str], sections: dict[str, list[str]] | None = None) -> bytes:
    """A DOCX whose first heading (level 1) is ``heading``, then ``paragraphs``, then for each
    of ``sections`` a level-2 heading and its paragraphs."""
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    for name, body in (sections or {}).items():
        document.add_heading(name, level=2)
        for paragraph in body:
            document.add_paragraph(paragraph)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


XSS_HTML = """<html><head><title>Hostile page</title><script>alert('head')</script></head>
<body><h1>Zebra tariffs</h1><p>The zebra tariff is <b>nine</b> percent.</p>
<p><img src=x onerror="alert('img')"> &lt;script&gt;alert('text')&lt;/script&gt;</p>
<script>document.title='pwned'</script><p><a href="javascript:alert('link')">click</a></p></body></html>"""


RECIPE = ("# Banana bread\n\nPrep time: 15 minutes. Serves 8.\n\n## Ingredients\n\n- 3 ripe bananas\n- 250 g plain flour\n"
          "- 100 g brown sugar\n\n## Method\n\n1. Preheat the oven to 175 °C.\n2. Mash the bananas in a large bowl.\n"
          "3. Mix in the sugar, then fold in the flour.\n4. Bake for about 60 minutes.\n\n## Storage\n\n"
          "Wrapped in foil, the bread keeps for up to four days.\n")


def answers_over(tmp_path, embedder, documents: dict[str, str], *questions: str | tuple[str, list[str]]) -> list:
    """Index ``documents`` (file name → text) and ask each question on its own, or after its
    conversation's earlier questions when given with them."""
    from index.builder import build_index
    from qa import Assistant

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, text in documents.items():
        (corpus / name).write_text(text)
    build_index(corpus, tmp_path / "index", embedder=embedder)
    with Assistant.open(tmp_path / "index", embedder=embedder) as assistant:
        return [assistant.ask(*question) if isinstance(question, tuple) else assistant.ask(question)
                for question in questions]


def passage(text: str, start: int = 0, end: int | None = None, rank: int = 1) -> Hit:
    """``text[start:end]`` as a retrieved passage of one document."""
    end = len(text) if end is None else end
    return Hit(rank, f"c{rank}", "doc.txt", "Doc", "", start, end, 1 + text.count("\n", 0, start), 1, 1.0, rank, rank,
               text[start:end])
