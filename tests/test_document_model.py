"""The document model as real documentation is written: hard-wrapped paragraphs read as whole
sentences, a list item with its continuation line, a code block answering a how-to question,
front matter kept out of the body, and the quote rule the evaluation counts by."""

from __future__ import annotations

from pathlib import Path

import pytest

from index.chunking import ChunkerSettings, chunk_document
from index.document_model import CODE, HEADING, ITEM, PARAGRAPH, TABLE, DocumentWriter
from index.formats import markdown
from index.loaders import SkipFile, read_document
from index.sentences import sentence_spans
from qa.evaluate.quote_bounds import cuts_sentence

from .conftest import SHARED, shared_dataset
from .documents import answers_over

WRAPPED = """---
title: "Connections"
weight: 20
---

# Connections

Connection pooling keeps sockets open between requests. Keep-alive support is not enabled by
default, because some proxies close idle connections early and the client would then see a
reset. When a server does not send data within this time frame, a `ReadTimeout` exception is
raised.

Options:

- `retries`, how many times a request is retried, or `None` for no limit.
  (Default 3)
- `timeout`, the seconds to wait for a response (version 3.9 and later read it from
  `client.toml`).

To turn keep-alive on, pass it to the client:

```python
client = Client(keep_alive=True)
client.get("https://example.com")
```

| Setting | Default |
|---|---|
| pool size | 10 |
"""


def quotes(text: str, start: int = 0, end: int | None = None) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text, start, end)]


def test_a_wrapped_paragraph_reads_as_whole_sentences():
    """A line had been a sentence boundary: "…is not enabled by default, because" ended a quote."""
    parsed = markdown.parse(WRAPPED)
    paragraph = next(b for b in parsed.blocks if b.kind == PARAGRAPH)
    assert quotes(WRAPPED, paragraph.start, paragraph.end) == [
        "Connection pooling keeps sockets open between requests.",
        "Keep-alive support is not enabled by\ndefault, because some proxies close idle connections early and the "
        "client would then see a\nreset.",
        "When a server does not send data within this time frame, a `ReadTimeout` exception is\nraised."]


def test_a_list_item_keeps_its_continuation_line_and_inline_code_splits_nothing():
    items = [b for b in markdown.parse(WRAPPED).blocks if b.kind == ITEM]
    assert [quotes(WRAPPED, b.start, b.end) for b in items] == [
        ["- `retries`, how many times a request is retried, or `None` for no limit.\n  (Default 3)"],
        ["- `timeout`, the seconds to wait for a response (version 3.9 and later read it from\n  `client.toml`)."]]
    assert items[1].new_paragraph is False  # the same list


def test_front_matter_is_metadata_not_body_and_blocks_are_exact():
    parsed = read_document(Path("connections.md"), WRAPPED.encode())
    assert parsed.title == "Connections" and ("weight", "20") in parsed.metadata
    assert all(parsed.text[b.start:b.end].strip() == parsed.text[b.start:b.end] for b in parsed.blocks)
    assert [b.kind for b in parsed.blocks] == [HEADING, PARAGRAPH, PARAGRAPH, ITEM, ITEM, PARAGRAPH, CODE, TABLE]
    assert next(b for b in parsed.blocks if b.kind == CODE).info == "python"
    title, chunks = chunk_document("connections.md", parsed, ChunkerSettings())
    assert title == "Connections" and chunks and not any("weight: 20" in c.text for c in chunks)
    assert all(parsed.text[c.start:c.end] == c.text for c in chunks)
    code = WRAPPED[WRAPPED.index("```python"):WRAPPED.index("```\n\n|") + 3]
    assert any(code in c.text for c in chunks)  # a code block is never cut


def test_a_writer_records_exact_blocks():
    writer = DocumentWriter()
    writer.heading("Install", 2)
    writer.paragraph("Run   the\ninstaller.")
    writer.item("first")
    writer.item("second", depth=1)
    writer.code("pip install x\n", "bash")
    writer.new_page()
    writer.table([["A", "B"], ["1", "2|3"]])
    parsed = writer.result("Guide")
    assert [parsed.text[b.start:b.end] for b in parsed.blocks] == [
        "## Install", "Run the installer.", "- first", "  - second", "```bash\npip install x\n```",
        "| A | B |\n|---|---|\n| 1 | 2/3 |"]
    assert parsed.pages == (parsed.blocks[-1].start,) and parsed.blocks[3].new_paragraph is False


@pytest.mark.parametrize("quote, cut", [
    ("Keep-alive support is not enabled by\ndefault, because", True),  # ends inside its sentence
    ("some proxies close idle connections early", True),  # starts after a letter, ends inside
    ("Keep-alive support is not enabled by\ndefault, because some proxies close idle connections early and the "
     "client would then see a\nreset.", False),
    ("- `retries`, how many times a request is retried, or `None` for no limit.\n  (Default 3)", False),
    ("| pool size | 10 |", False),
])
def test_the_quote_rule(quote, cut):
    start = WRAPPED.index(quote)
    assert cuts_sentence(WRAPPED, start, start + len(quote)) is cut


def test_a_how_to_question_is_answered_with_its_code_block(tmp_path, embedder):
    """Code blocks were never evidence: "how do I…" was declined or answered with the sentence
    that introduces the block, without the block."""
    answer, = answers_over(tmp_path, embedder, {"connections.md": WRAPPED}, "How do I turn on keep-alive?")
    assert not answer.abstained
    quote = answer.citations[0].quote
    assert quote.startswith("To turn keep-alive on, pass it to the client:") and "Client(keep_alive=True)" in quote
    assert answer.short_answer is None  # code is shown whole


def test_every_poetry_docs_file_reads_into_exact_blocks_without_front_matter():
    for path in sorted(shared_dataset(SHARED / "corpora" / "poetry-docs").glob("*.md")):
        parsed = read_document(path, path.read_bytes())
        body = parsed.text[parsed.blocks[0].start:]
        assert not body.startswith("---") and "\ntype: docs\n" not in body[:200], path.name
        title, chunks = chunk_document(path.name, parsed, ChunkerSettings())
        assert chunks and all(parsed.text[c.start:c.end] == c.text for c in chunks), path.name


@pytest.mark.parametrize("text", ["> - item\n> - two\n\nAfter.\n", "- a\n  > quoted\n- b\n", "> quote\n>\n> > nested\n",
                                  "- item\n\n  ```\n  code\n  ```\n- next\n"])
def test_lists_and_quotes_inside_each_other_read_into_exact_blocks(text):
    """A list inside a quote had crashed the build ("pop from empty list")."""
    parsed = markdown.parse(text)
    assert parsed.blocks and all(parsed.text[b.start:b.end].strip() == parsed.text[b.start:b.end] for b in parsed.blocks)


def test_a_csv_whose_padding_would_explode_is_refused_and_other_encodings_are_told():
    wide = b"a," * 5000 + b"\n" + b"x\n" * 3000  # 9 KB: padded rows would be 15 million cells
    with pytest.raises(SkipFile, match="cells"):
        read_document(Path("wide.csv"), wide)
    russian = "Привет, мир. Это проверка кодировки текста, которую надо определить правильно.\n" * 4
    assert read_document(Path("ru.txt"), russian.encode("koi8_r")).text == russian
