"""Retrieve, answer, cite and evaluate: ``from qa import Assistant``."""

from .assistant import Assistant
from .records import Answer, Citation, Hit
from .retrieval import MODES, QueryError, SearchResult

__all__ = ["Answer", "Assistant", "Citation", "Hit", "MODES", "QueryError", "SearchResult"]
