"""What the answer steps read of a whole document, parsed once per document: its tables'
headers, its code blocks and its section headings."""

from __future__ import annotations

from functools import lru_cache, partial

from index.sentences import code_spans
from index.store import RecordStore

from qa.answer.headings import SectionHeadings
from qa.answer.tables import TableHeaders

CACHED_DOCUMENTS = 64  # documents whose parses are kept (an answer over a table reads its headers)


class ParsedDocuments:
    """Per document path: ``tables`` (``TableHeaders``), ``code_blocks`` (code spans) and
    ``headings`` (``SectionHeadings``), each None once the document is gone."""

    def __init__(self, records: RecordStore) -> None:
        # partials of a module function, not bound methods: no reference cycle through self
        self.tables = lru_cache(maxsize=CACHED_DOCUMENTS)(partial(_parsed, records, TableHeaders.of))
        self.code_blocks = lru_cache(maxsize=CACHED_DOCUMENTS)(partial(_parsed, records, code_spans))
        self.headings = lru_cache(maxsize=CACHED_DOCUMENTS)(partial(_parsed, records, SectionHeadings))


def _parsed(records: RecordStore, parse, doc: str):
    document = records.document(doc)
    return parse(document.text) if document else None
