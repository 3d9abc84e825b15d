"""Readers: one module per file format, each with ``read(data: bytes) -> ParsedDocument``
(``index.document_model``) that raises ``SkipFile`` with a reason when the file cannot be read."""

from __future__ import annotations


class SkipFile(Exception):
    """The file cannot be indexed; the message says why."""
