"""HTML and Markdown for the chat page. Every piece of document text goes through
``html.escape`` (and Markdown escaping where Markdown is rendered): a document can
never inject markup, scripts or links; the only links are the citation links made here."""

from __future__ import annotations

import html
import re

from qa.answer.compose import NOT_IN_DOCUMENTS
from qa.display import place
from qa.records import Answer, Citation, Hit

from index.sentences import unwrapped

from .markdown_view import inline_html, is_markdown, passage_html

_NO_SOURCES = "<div class='cq-empty'>Sources of the answer appear here.</div>"
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")


def markdown_text(text: str) -> str:
    """Document text made inert for a Markdown renderer: HTML escaped, Markdown syntax escaped."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def answer_markdown(answer: Answer) -> str:
    """The chat message for an answer: escaped text, and after each segment its citation
    numbers as links the page script intercepts (only those: text is never parsed for them)."""
    if answer.abstained and answer.text == NOT_IN_DOCUMENTS:
        body = f"**Not in the documents.** {markdown_text(answer.text.split(':', 1)[-1].strip())}"
    elif answer.segments:
        docs = {c.n: c.doc for c in answer.citations}
        pieces = [segment_markdown(text, any(is_markdown(docs.get(n, "")) for n in numbers))
                  + "".join(f" [\\[{n}\\]](#cite-{n})" for n in numbers)
                  for text, numbers in answer.segments]
        body = (f"**{pieces[0]}**\n\n" + " ".join(pieces[1:])) if answer.short_answer else " ".join(pieces)
    else:
        body = markdown_text(answer.text)
    if not answer.searched:  # small talk: nothing was searched or served
        return body
    served = "BM25 fallback" if answer.mode == "bm25-fallback" else f"{answer.mode} retrieval"
    if answer.generated_by:
        served += f"; written by {markdown_text(answer.generated_by)}, every sentence checked against its source"
    note = f" — {markdown_text(answer.notice)}" if answer.notice else ""
    return f"{body}\n\n<sub>served by {served}{note}</sub>{removed_markdown(answer)}"


def segment_markdown(text: str, markdown: bool) -> str:
    """A quoted segment of an answer for the chat message: a code block or table as a block of
    safe HTML (one raw HTML block to the Markdown renderer: no blank line inside), inline
    Markdown of a Markdown document as safe inline HTML whose text is Markdown-escaped, any
    other text escaped; wrapped lines joined."""
    if _BLOCK_SEGMENT.search(text):
        block = passage_html(text, None, markdown).replace("\n", "&#10;")
        return f"\n\n<div class='cq-answer-block'>{block}</div>\n\n"
    if markdown:
        return _TEXT_NODE.sub(lambda m: _MARKDOWN_SPECIAL.sub(r"\\\1", m.group()), inline_html(text))
    return markdown_text(unwrapped(text))


_BLOCK_SEGMENT = re.compile(r"^[ \t]*(?:```|~~~|\|)", re.MULTILINE)
_TEXT_NODE = re.compile(r"(?<=>)[^<]+|^[^<]+")


def removed_markdown(answer: Answer) -> str:
    """The model's sentences that verification removed, struck through under a fold."""
    removed = [c for c in answer.checked if not c["supported"]]
    if not removed:
        return ""
    items = "\n".join(f"- ~~{markdown_text(c['text'])}~~ ({markdown_text(c['reason'])})" for c in removed)
    return (f"\n\n<details class='cq-removed'><summary>Not supported by the sources ({len(removed)})"
            f"</summary>\n\n{items}\n\n</details>")


def streaming_markdown(text: str, model: str) -> str:
    """The model's words as they arrive, before verification."""
    return f"{markdown_text(text)}\n\n<sub>{markdown_text(model)} is writing; every sentence will be checked…</sub>"


def sources_html(answer: Answer | None) -> str:
    """The sources panel: each citation with its place, scores and highlighted sentence;
    the closest matches when the answer abstained."""
    if answer is None:
        return _NO_SOURCES
    if not answer.searched:  # small talk
        return _NO_SOURCES
    hits = {h.chunk_id: h for h in answer.passages}
    if answer.abstained:
        cards = [_match_card(h) for h in answer.passages[:3]]
        heading = "Closest matches (they do not answer the question)"
    else:
        cards = [_citation_card(c, hits.get(c.chunk_id)) for c in answer.citations]
        heading = "Sources"
    return f"<div class='cq-sources'><h3>{heading}</h3>{''.join(cards)}</div>"


def _citation_card(citation: Citation, hit: Hit | None) -> str:
    markdown = is_markdown(citation.doc)
    if hit is not None:
        excerpt = passage_html(hit.text, (citation.start - hit.start, citation.end - hit.start), markdown)
    else:
        excerpt = passage_html(citation.quote, (0, len(citation.quote)), markdown)
    return (f"<div class='cq-card' id='source-{citation.n}'>"
            f"<div class='cq-place'><a href='#cite-{citation.n}' class='cq-cite'>[{citation.n}]</a> "
            f"{html.escape(place(citation.doc, citation.section, citation.line_start, citation.line_end, citation.page))}</div>"
            f"{_scores(hit)}<div class='cq-excerpt'>{excerpt}</div></div>")


def _match_card(hit: Hit) -> str:
    return (f"<div class='cq-card cq-match'><div class='cq-place'>{hit.rank}. "
            f"{html.escape(place(hit.doc, hit.section, hit.line_start, hit.line_end, hit.page))}</div>"
            f"{_scores(hit)}<div class='cq-excerpt'>{passage_html(hit.text, None, is_markdown(hit.doc))}</div></div>")


def _scores(hit: Hit | None) -> str:
    if hit is None:
        return ""
    parts = [f"passage #{hit.rank}", f"dense rank {hit.dense_rank or '—'}",
             f"BM25 rank {hit.bm25_rank or '—'}", f"score {hit.score:.4f}"]
    return f"<div class='cq-scores'>{' · '.join(parts)}</div>"


def citation_choices(answer: Answer | None) -> list[tuple[str, str]]:
    """(label, value) pairs for the citation picker."""
    if answer is None or answer.abstained:
        return []
    return [(f"[{c.n}] {c.doc} › {c.section}" if c.section else f"[{c.n}] {c.doc}", str(c.n))
            for c in answer.citations]


DOCUMENT_CONTEXT_CHARS = 20_000  # shown on each side of the span in very long documents


def document_html(title: str, doc: str, text: str, start: int, end: int, notice: str = "") -> str:
    """The document, escaped, with ``text[start:end]`` highlighted (nothing when the span is
    empty); a very long document shows the span with ``DOCUMENT_CONTEXT_CHARS`` of context
    on each side. ``notice`` is a line of plain text shown above it."""
    first, last = max(0, start - DOCUMENT_CONTEXT_CHARS), min(len(text), end + DOCUMENT_CONTEXT_CHARS)
    before = f"<span class='cq-cut'>[… {first:,} characters before]</span>\n" if first else ""
    after = f"\n<span class='cq-cut'>[… {len(text) - last:,} characters after]</span>" if last < len(text) else ""
    cited = f"<mark id='cq-cited-span'>{html.escape(text[start:end])}</mark>" if end > start else ""
    warning = f"<div class='cq-stale'>{html.escape(notice)}</div>" if notice else ""
    return (f"<div class='cq-doc'>{warning}<div class='cq-doc-title'>{html.escape(title)} "
            f"<span class='cq-doc-path'>({html.escape(doc)})</span></div>"
            f"<pre class='cq-doc-text'>{before}{html.escape(text[first:start])}{cited}"
            f"{html.escape(text[end:last])}{after}</pre></div>")


def cited_document_html(title: str, doc: str, text: str, citation: dict) -> str:
    """The document at a citation of an earlier answer. The answer keeps the quote it cited:
    if the document has changed since, say so, and highlight the quote where it now is (if
    it still is there) rather than whatever text took its old offsets."""
    start, end, quote = citation["start"], citation["end"], citation["quote"]
    if text[start:end] == quote:
        return document_html(title, doc, text, start, end)
    moved = text.find(quote)
    if moved >= 0:
        notice = "This document has changed since the answer was given; the quoted text is now elsewhere."
        return document_html(title, doc, text, moved, moved + len(quote), notice)
    notice = f"This document has changed since the answer was given; it no longer contains the quote: “{quote}”"
    return document_html(title, doc, text, 0, 0, notice)


def passage_label(passage: dict) -> str:
    """A retrieved passage (as in the answer JSON) named in a picker: place and first words."""
    words = " ".join(passage["text"].split())
    where = place(passage["doc"], passage["section"], passage["line_start"], passage["line_end"], passage.get("page"))
    return f"{passage['rank']}. {where}: {words[:80]}{'…' if len(words) > 80 else ''}"


PAGE_CSS = """
.cq-sources h3 { margin: 0 0 .5em 0; }
.cq-card { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: .6em .8em; margin-bottom: .6em; }
.cq-place { font-weight: 600; margin-bottom: .2em; }
.cq-scores { font-size: .85em; opacity: .75; margin-bottom: .3em; }
.cq-excerpt { font-size: .92em; overflow-wrap: anywhere; }
.cq-excerpt p, .cq-answer-block p { margin: .2em 0; }
.cq-codeblock { position: relative; margin: .3em 0; }
.cq-codeblock pre { background: var(--background-fill-secondary); padding: .5em .7em; border-radius: 6px; overflow-x: auto; margin: 0; }
.cq-codeblock.cq-marked pre { outline: 3px solid #ffe58a; }
.cq-lang { position: absolute; right: .5em; top: .2em; font-size: .75em; opacity: .7; font-family: monospace; }
.cq-table { border-collapse: collapse; margin: .3em 0; }
.cq-table td, .cq-table th { border: 1px solid var(--border-color-primary); padding: .15em .5em; }
.cq-table tr.cq-marked { background: #ffe58a; }
.cq-heading { font-weight: 600; margin: .3em 0 .1em 0; }
.cq-doc-text { white-space: pre-wrap; overflow-wrap: anywhere; max-height: 420px; overflow-y: auto; font-size: .9em; }
.cq-doc-title { font-weight: 600; }
.cq-doc-path { font-weight: 400; opacity: .7; }
mark { background: #ffe58a; color: inherit; }
.cq-cut { opacity: .6; font-style: italic; }
.cq-stale { border-left: 4px solid #e0a800; padding: .3em .6em; margin-bottom: .4em; }
#chat .message, #chat .prose { overflow-wrap: anywhere; }
"""

# Clicking "[n]" in an answer or a source card selects citation n in the picker, which
# opens the document at that span (the picker's change event does the rest).
PAGE_HEAD = """
<script>
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[href^='#cite-']");
  if (!link) return;
  event.preventDefault();
  const n = link.getAttribute("href").slice("#cite-".length);
  const option = document.querySelector(`#citation-picker input[type='radio'][value='${CSS.escape(n)}']`);
  if (option) option.click();
}, true);
</script>
"""

SCROLL_TO_CITED = "() => { setTimeout(() => document.getElementById('cq-cited-span')?.scrollIntoView({block: 'center'}), 150); }"
