"""The ``corpusqa`` command line, above ``ui/``, ``qa/`` and ``index/`` (it may import all three)."""

from .main import cli, main

__all__ = ["cli", "main"]
