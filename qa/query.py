"""The one place a query and its options are checked, before any search or answer."""

from __future__ import annotations

from index.text import strip_unsafe

MODES = ("hybrid", "dense", "bm25")
FALLBACK_MODE = "bm25-fallback"  # what served a search when dense retrieval was unavailable
MAX_QUERY_CHARS = 2000
PASSAGES_READ = 8  # passages an answer reads: `ask`, the page, calibration and eval alike


class QueryError(ValueError):
    """The query or its options are unusable; the message says why."""


def check_query(query: str, mode: str = "hybrid", k: int = 10) -> str:
    """Return the query with control characters dropped and white space folded, or raise
    QueryError with a one-line reason."""
    if isinstance(query, str):
        query = strip_unsafe(query)
    if not isinstance(query, str) or not query.strip():
        raise QueryError("empty query: type a question or some keywords")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"query too long ({len(query):,} characters; the limit is {MAX_QUERY_CHARS:,})")
    if mode not in MODES:
        raise QueryError(f"unknown mode {mode!r}: choose one of {', '.join(MODES)}")
    if not isinstance(k, int) or not 1 <= k <= 1000:
        raise QueryError(f"k must be a whole number from 1 to 1000, not {k!r}")
    return " ".join(query.split())
