"""Chunk documents and build the stores: SQLite records, FAISS vectors, BM25 tokens."""

__version__ = "0.1.0"
