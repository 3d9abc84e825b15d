"""Questions about a whole document ("What is this document about?", "Summarize the lease."):
answered by the document's opening sentences, cited, when it is clear which document is
meant: the only one searched (a one-document corpus, or a question scoped to one), or the one
among the retrieved passages' documents whose title or file name holds the noun asked about.
A whole section asked for by its number ("What does section 4 say?", "Summarize clause 3.2",
then "And section 5?") is answered so too, from the first document searched or retrieved that
has a heading so numbered ("4. Termination", "Clause 3.2 Notice", "Part III: …") or a paragraph
that starts with the number; its words may be nowhere near the question's, so the search alone
would not find it."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from index.chunking import BREADCRUMB_SEPARATOR

from qa.answer.candidates import Candidate, candidate_sentences
from qa.answer.lookups.message_headers import is_header_line
from qa.records import Hit
from qa.answer.state import AnswerState
from qa.search.retriever import Retriever

OPENING_SENTENCES = 3
_DOCUMENT_NOUNS = frozenset("document doc file text page article paper report email e-mail mail message letter "
                            "memo note notes pdf".split())
_ASKED = re.compile(r"^\W*(?:what\s+(?:is|are|'s)\s+(?:this|the|these|that)\s+(?P<about>[\w'’ -]{1,40}?)\s+about"
                    r"|(?:summari[sz]e|give\s+(?:me\s+)?(?:an?\s+)?(?:overview|summary)\s+of)\s+(?:this|the|that)\s+"
                    r"(?P<summary>[\w'’ -]{1,40}?))\s*[?.!]?\s*$", re.IGNORECASE)

_SECTION_KIND = r"(?:section|clause|article|part|chapter|§)"
_SECTION_REFERENCE = re.compile(rf"\b{_SECTION_KIND}\s*(\d+(?:\.\d+)*|[IVXLC]+)\b", re.IGNORECASE)
_ASKS_WHOLE = re.compile(r"^\W*(?:what\s+(?:does|do)\s+§\s+(?:say|cover|contain|state)"
                         r"|what(?:\s+is|'s|’s)\s+(?:in\s+)?§(?:\s+about)?|(?:summari[sz]e|show(?:\s+me)?)\s+§"
                         r"|(?:(?:and|what\s+about|how\s+about)\s+)?§)\s*[?.!]?\s*$", re.IGNORECASE)  # "And section 5?"


def asked_section(question: str) -> str | None:
    """The number of the section ``question`` asks for whole ("What does section 4 say?": "4"), if it does."""
    found = _SECTION_REFERENCE.search(question)
    if found is None or not _ASKS_WHOLE.match(question[:found.start()] + "§" + question[found.end():]):
        return None
    return found.group(1)


def numbered_section(number: str, name: str) -> bool:
    """Whether a heading ``name`` is numbered ``number`` ("4. Termination", "Section 4 — Term",
    "Part III: …"; "4.1 Notice" is no section 4)."""
    return bool(re.match(rf"(?:{_SECTION_KIND}\s*)?{re.escape(number)}(?!\.?\d)(?:[.:)\s]|$)", name, re.IGNORECASE))


def asked_subject(question: str) -> str | None:
    """What ``question`` asks an overview of ("document", "lease"), if it asks for one."""
    found = _ASKED.match(question)
    return (found.group("about") or found.group("summary")).strip().lower() if found else None


def overview_document(subject: str, hits: Sequence[Hit], documents: Sequence[str],
                      stems: Callable[[str], list[str]]) -> str | None:
    """The document an overview of ``subject`` is asked of: the only one indexed or retrieved
    for a plain "this document"; else the one retrieved whose title or file name holds the
    subject's words ("the lease": lease.txt). None when it is unclear."""
    retrieved = list(dict.fromkeys(hit.doc for hit in hits))
    if set(subject.split()) & _DOCUMENT_NOUNS and (len(documents) == 1 or len(retrieved) == 1):
        return documents[0] if len(documents) == 1 else retrieved[0]
    asked = set(stems(subject))
    titles = {hit.doc: hit.title for hit in hits}
    named = [doc for doc in retrieved if asked and asked <= set(stems(f"{titles[doc]} {PurePosixPath(doc).stem}"))]
    return named[0] if len(named) == 1 else None


def overview(question: str, hits: Sequence[Hit], retriever: Retriever, tables) -> list[Candidate]:
    """The first ``OPENING_SENTENCES`` sentences of the document ``question`` asks an overview
    of, if it is clear which (``overview_document``), its message header lines and its lists
    aside, or of the section it asks for by number (a list in it whole); none otherwise.
    ``tables``: a document's ``TableHeaders``."""
    number = asked_section(question)
    if number is not None:
        return _section_opening(number, hits, retriever, tables)
    subject = asked_subject(question)
    doc = subject and overview_document(subject, hits, retriever.doc_paths, retriever.tokenizer)
    opening = retriever.opening(doc) if doc else None
    found = [c for c in candidate_sentences([opening], tables) if not c.is_list and not is_header_line(c)] \
        if opening else []
    return found[:OPENING_SENTENCES]


def _section_opening(number: str, hits: Sequence[Hit], retriever: Retriever, tables) -> list[Candidate]:
    """The first sentences of the section numbered ``number`` in the only document indexed or
    the first retrieved that has one: under a heading so numbered at any level, else from a
    paragraph that starts with the number (a plain text's or a PDF's "4. Termination. Either
    party…"). A list is taken whole, not item by item."""
    documents = retriever.doc_paths
    for doc in documents if len(documents) == 1 else dict.fromkeys(hit.doc for hit in hits):
        sections = retriever.records.sections(doc)
        row = next((row for row, section, _ in sections
                    if any(numbered_section(number, name) for name in section.split(BREADCRUMB_SEPARATOR))), None)
        start, end = 0, None  # the numbered paragraph's span in its document, if no heading is numbered so
        if row is None:
            document = retriever.records.document(doc)
            paragraph = _numbered_paragraph(number).search(document.text) if document else None
            if paragraph is None:
                continue
            start = paragraph.start("number")
            stop = document.text.find("\n\n", start)
            end = stop if stop >= 0 else len(document.text)
            row = next((row for row, _, chunk_end in sections if chunk_end > start), None)
            if row is None:  # the number opens text no passage holds (a title line)
                continue
        found: list[Candidate] = []
        for candidate in candidate_sentences([retriever.passage(row)], tables):
            if start <= candidate.start and (end is None or candidate.end <= end) \
                    and not any(c.start <= candidate.start and candidate.end <= c.end for c in found):
                found.append(candidate)
        return found[:OPENING_SENTENCES]
    return []


def _numbered_paragraph(number: str) -> re.Pattern:
    """A paragraph that starts with section ``number`` ("4. Termination. …", "Clause 3.2 The …")."""
    return re.compile(rf"(?:^|\n)[ \t]*(?P<number>(?i:{_SECTION_KIND}\s*)?{re.escape(number)})"
                      r"(?!\.?\d)[.):]?[ \t]+(?=[A-Z])")


class Overview:
    """Step: when nothing was looked up, the opening sentences of the document (or numbered
    section) the question asks an overview of, if any (answered even below the confidence
    threshold). ``tables``: a document's ``TableHeaders``."""

    def __init__(self, retriever: Retriever, tables) -> None:
        self.retriever, self.tables = retriever, tables

    def run(self, state: AnswerState) -> AnswerState:
        if state.lookup is None:
            state.overview_sentences = overview(state.as_read, state.evidence.result.hits, self.retriever, self.tables)
        return state
