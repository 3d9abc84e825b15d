"""Plain-text rendering for the terminal: document text never carries escape sequences."""

from __future__ import annotations

import textwrap

from index.text import strip_unsafe

from qa.records import Answer, Hit


PAGE_LABELS = {".pptx": "slide", ".xlsx": "sheet", ".xlsm": "sheet"}  # a page of these formats is called so


def page_label(doc: str, page: int) -> str:
    """"p. 4" of a PDF, "slide 4" of a presentation, "sheet 2" of a workbook."""
    suffix = doc[doc.rfind("."):].lower() if "." in doc else ""
    return f"{PAGE_LABELS[suffix]} {page}" if suffix in PAGE_LABELS else f"p. {page}"


def place(doc: str, section: str, line_start: int, line_end: int, page: int | None = None) -> str:
    """Where a passage or quote is: ``doc › section (p. 4, lines 12–14)``."""
    where = f"{doc} › {section}" if section else doc
    lines = f"line {line_start}" if line_start == line_end else f"lines {line_start}–{line_end}"
    return strip_unsafe(f"{where} ({f'{page_label(doc, page)}, ' if page else ''}{lines})")


def indented(text: str, width: int = 100) -> str:
    """Text re-wrapped and indented under its heading line."""
    return textwrap.indent(textwrap.fill(strip_unsafe(" ".join(text.split())), width), "   ")


def format_hits(hits: list[Hit]) -> str:
    blocks = []
    for hit in hits:
        ranks = ", ".join(f"{name} #{rank}" for name, rank in
                          (("dense", hit.dense_rank), ("bm25", hit.bm25_rank)) if rank)
        blocks.append(f"{hit.rank}. {place(hit.doc, hit.section, hit.line_start, hit.line_end, hit.page)}"
                      f"  score {hit.score:.4f}" + (f" ({ranks})" if ranks else "")
                      + "\n" + indented(hit.text))
    return "\n\n".join(blocks)


def format_answer(answer: Answer) -> str:
    """The answer, then its numbered sources (or the closest matches when abstaining; nothing
    after a reply to small talk, which searched nothing)."""
    lines = [strip_unsafe(answer.text), ""]
    if answer.abstained and answer.searched:
        lines.append("Closest matches:")
        lines += [f"  {h.rank}. {place(h.doc, h.section, h.line_start, h.line_end, h.page)}\n{indented(h.text)}"
                  for h in answer.passages[:3]]
    elif not answer.abstained:
        lines.append("Sources:")
        for c in answer.citations:
            lines.append(f"  [{c.n}] {place(c.doc, c.section, c.line_start, c.line_end, c.page)}")
            lines.append(indented(f"“{c.quote}”"))
    removed = [c for c in answer.checked if not c["supported"]]
    if removed:
        lines.append("Removed from the model's answer (not supported by the sources):")
        lines += [f"  - {strip_unsafe(c['text'])} ({c['reason']})" for c in removed]
    by = f", written by {strip_unsafe(answer.generated_by)}, each sentence checked" if answer.generated_by else ""
    lines.append(f"\n(mode: {answer.mode}{by})")
    return "\n".join(lines)
