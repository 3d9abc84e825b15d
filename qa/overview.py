"""Questions about a whole document ("What is this document about?", "Summarize the lease."):
answered by the document's opening sentences, cited, when it is clear which document is
meant: the only one searched (a one-document corpus, or a question scoped to one), or the one
among the retrieved passages' documents whose title or file name holds the noun asked about."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from pathlib import PurePosixPath

from .candidates import Candidate, candidate_sentences
from .message_headers import is_header_line
from .records import Hit
from .retrieval import Retriever

OPENING_SENTENCES = 3
_DOCUMENT_NOUNS = frozenset("document doc file text page article paper report email e-mail mail message letter "
                            "memo note notes pdf".split())
_ASKED = re.compile(r"^\W*(?:what\s+(?:is|are|'s)\s+(?:this|the|these|that)\s+(?P<about>[\w'’ -]{1,40}?)\s+about"
                    r"|(?:summari[sz]e|give\s+(?:me\s+)?(?:an?\s+)?(?:overview|summary)\s+of)\s+(?:this|the|that)\s+"
                    r"(?P<summary>[\w'’ -]{1,40}?))\s*[?.!]?\s*$", re.IGNORECASE)


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
    aside (``tables``: a document's ``TableHeaders``); none otherwise."""
    subject = asked_subject(question)
    doc = subject and overview_document(subject, hits, retriever.doc_paths, retriever.tokenizer)
    opening = retriever.opening(doc) if doc else None
    found = [c for c in candidate_sentences([opening], tables) if not c.is_list and not is_header_line(c)] \
        if opening else []
    return found[:OPENING_SENTENCES]
