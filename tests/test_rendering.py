"""Page rendering of document text: escaped, and bounded for very long documents."""

from __future__ import annotations

from ui.rendering import (
    DOCUMENT_CONTEXT_CHARS,
    answer_markdown,
    document_html,
    markdown_text,
)


def test_document_view_escapes_and_highlights_the_span():
    text = "before <script>x()</script> CITED & quoted after"
    start = text.index("CITED")
    page = document_html("T<b>", "a.md", text, start, start + len("CITED & quoted"))
    assert "<script>" not in page and "&lt;script&gt;" in page and "T&lt;b&gt;" in page
    assert "<mark id='cq-cited-span'>CITED &amp; quoted</mark>" in page


def test_long_document_shows_the_span_with_bounded_context():
    text = "a" * 500_000 + "THE SPAN" + "b" * 500_000
    start = text.index("THE SPAN")
    page = document_html("Long", "long.txt", text, start, start + 8)
    assert len(page) < 2 * DOCUMENT_CONTEXT_CHARS + 1_000
    assert "[… 480,000 characters before]" in page and "[… 480,000 characters after]" in page


def test_markdown_text_neutralises_links_and_markup():
    rendered = markdown_text("[click](javascript:alert(1)) **bold** <img src=x onerror=alert(1)>")
    assert "](" not in rendered and "<img" not in rendered and "\\*\\*bold\\*\\*" in rendered


def test_answer_markdown_links_only_its_own_citation_markers(assistant):
    answer = assistant.ask("How many vessels does Singapore supply with marine fuel each year?")
    rendered = answer_markdown(answer)
    assert rendered.startswith("**130,000 [\\[1\\]](#cite-1)**\n\n")
    assert rendered.count("](#cite-") == answer.text.count("[1]") == 2
    assert rendered.endswith("<sub>served by hybrid retrieval</sub>")


def test_only_the_answers_own_markers_become_citation_links():
    from qa.records import Answer, Citation

    quote = "The report [12] lists the tariff at 15% [see 3]."
    citation = Citation(1, "a.md", "A", "", 0, len(quote), 1, 1, "c1", quote)
    answer = Answer("q?", f"{quote} [1]", False, [citation], [], "hybrid", 0.9,
                    segments=[(quote, (1,))])
    markdown = answer_markdown(answer)
    assert markdown.count("](#cite-") == 1 and "(#cite-1)" in markdown
    assert "#cite-12" not in markdown and "\\[12\\]" in markdown  # the document's own [12] stays text


def test_a_citation_of_a_changed_document_says_so():
    from ui.rendering import cited_document_html

    original = "Intro. The pier is made of recycled steel. End."
    quote = "The pier is made of recycled steel."
    citation = {"start": original.index(quote), "end": original.index(quote) + len(quote), "quote": quote}
    same = cited_document_html("T", "a.md", original, citation)
    assert f"<mark id='cq-cited-span'>{quote}</mark>" in same and "changed" not in same
    edited = "A new first paragraph was added. " + original
    moved = cited_document_html("T", "a.md", edited, citation)
    assert f"<mark id='cq-cited-span'>{quote}</mark>" in moved and "has changed since" in moved
    rewritten = "Intro. The pier is made of oak and the old steel was sold. End."
    gone = cited_document_html("T", "a.md", rewritten, citation)
    assert "no longer contains the quote" in gone and "<mark" not in gone
