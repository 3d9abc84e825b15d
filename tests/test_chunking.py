"""Chunking: exact spans, section breadcrumbs, sentence-aligned boundaries."""

from __future__ import annotations

import pytest

from index.chunking import ChunkerSettings, chunk_document
from index.loaders import read_document as load_text
from index.sentences import sentence_spans

from .conftest import SHIPPED_CORPUS

SHIPPED = sorted(SHIPPED_CORPUS.iterdir())


def chunks_of(path, settings=ChunkerSettings()):
    text = load_text(path, path.read_bytes()).text
    return text, *chunk_document(path.name, text, settings)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
@pytest.mark.parametrize("settings", [ChunkerSettings(), ChunkerSettings(300, 100), ChunkerSettings(1500, 0)],
                         ids=["default", "small", "large"])
def test_every_chunk_is_an_exact_span_of_its_document(path, settings):
    text, _, chunks = chunks_of(path, settings)
    assert chunks
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert chunk.line_start == text.count("\n", 0, chunk.start) + 1
        assert chunk.line_end == text.count("\n", 0, chunk.end - 1) + 1
        assert len(chunk.text) <= settings.target_chars
    assert len({c.chunk_id for c in chunks}) == len(chunks)


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_chunks_start_and_end_on_sentence_boundaries(path):
    text, _, chunks = chunks_of(path)
    starts = {s for s, _ in sentence_spans(text)}
    ends = {e for _, e in sentence_spans(text)}
    for chunk in chunks:
        assert chunk.start in starts and chunk.end in ends, chunk.text[:80]


def test_every_body_sentence_is_in_some_chunk():
    path = SHIPPED_CORPUS / "us-korea-trade-and-singapore.txt"
    text, _, chunks = chunks_of(path)
    covered = [(c.start, c.end) for c in chunks]
    body = [(s, e) for s, e in sentence_spans(text) if text[e - 1] in ".!?:"]
    assert body and all(any(a <= s and e <= b for a, b in covered) for s, e in body)


def test_plain_text_headings_build_breadcrumbs():
    _, title, chunks = chunks_of(SHIPPED_CORPUS / "singapore-korea-strategic-partnership.txt")
    sections = {c.section for c in chunks}
    assert "Part III: Cybersecurity Cooperation—Defending the Digital Economy › Dimensions of Cooperation" in sections
    assert "Part I: The Green and Digital Shipping Corridor—Singapore’s Maritime Future › Strategic Context" in sections
    lead = next(c for c in chunks if "bunkering hub" in c.text)
    assert lead.section.endswith("› Infrastructure Transformation")


def test_first_heading_line_is_the_title_and_not_a_section():
    _, title, chunks = chunks_of(SHIPPED_CORPUS / "us-korea-trade-and-singapore.txt")
    assert title.startswith("Navigating New Waters")
    assert chunks[0].section == "Introduction"
    assert any(c.section == "The Current Trade Deal: Ambitions and Obstacles › Visa and Immigration Issues"
               for c in chunks)


def test_document_without_heading_gets_title_from_file_name():
    _, title, chunks = chunks_of(SHIPPED_CORPUS / "us-korea-tariff-talks.txt")
    assert title == "Us korea tariff talks" and chunks[0].section == ""


def test_markdown_headings_nest_by_level():
    text = "# Guide\n\nIntro text here.\n\n## Setup\n\nInstall it first.\n\n### Linux\n\nUse apt.\n\n## Use\n\nRun it.\n"
    title, chunks = chunk_document("guide.md", text, ChunkerSettings())
    assert title == "Guide"
    assert [(c.section, c.text) for c in chunks] == [
        ("", "Intro text here."), ("Setup", "Install it first."),
        ("Setup › Linux", "Use apt."), ("Use", "Run it.")]


def test_long_paragraph_splits_between_sentences_with_overlap():
    sentences = [f"Sentence number {i} talks about topic {i} at some length here." for i in range(40)]
    text = " ".join(sentences)
    _, chunks = chunk_document("long.txt", text, ChunkerSettings(300, 80))
    assert len(chunks) > 5
    for chunk in chunks:
        assert chunk.text.startswith("Sentence number") and chunk.text.endswith("length here.")
    assert any(chunks[i].end > chunks[i + 1].start for i in range(len(chunks) - 1))  # overlap


def test_unbroken_token_is_cut_without_losing_text():
    text = "Intro sentence here. " + "x" * 5000 + " Tail sentence."
    _, chunks = chunk_document("blob.txt", text, ChunkerSettings(800, 100))
    assert all(len(c.text) <= 800 for c in chunks)
    assert sum(c.text.count("x") for c in chunks) >= 5000


def test_sentence_splitter_keeps_abbreviations_and_numbers_together():
    text = "The U.S. economy grew 2.5 percent in Jan. 2025. Dr. Kim agreed. Really? Yes!"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "The U.S. economy grew 2.5 percent in Jan. 2025.", "Dr. Kim agreed.", "Really?", "Yes!"]
    steps = "To reset it:\n1. Open Settings.\n  12. Click Reset. Then wait.\nIn 1. Century"
    assert [steps[s:e] for s, e in sentence_spans(steps)] == [  # a numbered item's marker ends nothing
        "To reset it:", "1. Open Settings.", "12. Click Reset.", "Then wait.", "In 1.", "Century"]


def test_settings_are_validated():
    with pytest.raises(ValueError):
        ChunkerSettings(50, 0)
    with pytest.raises(ValueError):
        ChunkerSettings(400, 300)


def test_a_paragraph_that_fits_in_a_chunk_is_never_split():
    """A short paragraph, then one of 700 characters: the old rule started the second in the
    first chunk (not yet half full) and split it; now the chunk ends before it."""
    short = "The harbour opened in 1850 as a small fishing port. It served herring boats and a ferry line."
    long = " ".join(f"Berth {n} was dredged to a depth of {n + 8} metres in {1990 + n}." for n in range(1, 15))
    assert len(short) < 400 and len(short) + len(long) > 800 and len(long) <= 800
    text = f"{short}\n\n{long}\n\n{short}\n"
    for policy, whole in (("whole", True), ("half-full", False)):
        _, chunks = chunk_document("a.txt", text, ChunkerSettings(paragraphs=policy))
        second = text.index(long)
        holding = [c for c in chunks if c.start < second + len(long) and second < c.end]
        assert (len(holding) == 1 and holding[0].text == long) is whole, policy
        assert all(text[c.start:c.end] == c.text for c in chunks)


def test_an_all_bold_line_heads_what_follows_it():
    """An FAQ's questions were candidate answers to themselves ("Why was I charged twice?" cited
    "Why was I charged twice?**"); now each heads its answer's section."""
    text = ("# FAQ\n\n## Billing\n\n**Why was I charged twice?**\nA failed payment was retried.\n\n"
            "__Do you offer discounts?__\nNon-profits get 40% off.\n\nA **bold** word is no heading.\n")
    title, chunks = chunk_document("faq.md", text, ChunkerSettings())
    assert title == "FAQ" and [(c.section, c.text) for c in chunks] == [
        ("Billing › Why was I charged twice?", "A failed payment was retried."),
        ("Billing › Do you offer discounts?", "Non-profits get 40% off.\n\nA **bold** word is no heading.")]


def test_a_question_after_q_heads_its_answer():
    """A plain-text FAQ's "Q:" lines were sentences of one chunk, and "Q: How do I cancel my
    subscription?" was cited as the answer to itself; now each question heads its answer."""
    text = ("Frequently asked questions\n\nQ: How do I cancel my subscription?\nA: Go to Settings. It stays active.\n\n"
            "Question 2. Can I change my username?\nA: No.\n\nQ: no question mark here\nIt stays text.\n")
    title, chunks = chunk_document("faq.txt", text, ChunkerSettings())
    assert title == "Frequently asked questions" and [(c.section, c.text) for c in chunks] == [
        ("How do I cancel my subscription?", "A: Go to Settings. It stays active."),
        ("Can I change my username?", "A: No.\n\nQ: no question mark here\nIt stays text.")]
