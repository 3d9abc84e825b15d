"""Retrieve, answer, cite and evaluate: ``from qa import Assistant``."""

from qa.assistant import Assistant
from qa.records import Answer, Citation, Hit
from qa.query import MODES, QueryError
from qa.search.retriever import SearchResult

__all__ = ["Answer", "Assistant", "Citation", "Hit", "MODES", "QueryError", "SearchResult"]
