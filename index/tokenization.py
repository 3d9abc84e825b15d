"""The BM25 tokenizer: one configurable pipeline, recorded in the manifest."""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import asdict, dataclass

# Lucene's English stop set (also Anserini's and bm25s's default).
ENGLISH_STOPWORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the "
    "their then there these they this to was will with".split()
)
_TOKEN = re.compile(r"\w+", re.UNICODE)


@dataclass(frozen=True)
class TokenizerSettings:
    lowercase: bool = True
    stopwords: bool = True
    stemming: bool = True

    def as_dict(self) -> dict:
        return asdict(self)


class Tokenizer:
    """Split text into BM25 terms: word characters, optionally lower-cased,
    stop-worded and Snowball-stemmed (PyStemmer, the C implementation)."""

    def __init__(self, settings: TokenizerSettings = TokenizerSettings()) -> None:
        self.settings = settings
        self._local = threading.local()

    def stem_words(self, tokens: list[str]) -> list[str]:
        """A Stemmer per thread: PyStemmer instances must not be called concurrently."""
        stemmer = getattr(self._local, "stemmer", None)
        if stemmer is None:
            import Stemmer

            stemmer = self._local.stemmer = Stemmer.Stemmer("english")
        return stemmer.stemWords(tokens)

    def __call__(self, text: str) -> list[str]:
        text = unicodedata.normalize("NFKC", text)
        if self.settings.lowercase:
            text = text.lower()
        tokens = _TOKEN.findall(text)
        if self.settings.stopwords:
            tokens = [t for t in tokens if t.lower() not in ENGLISH_STOPWORDS]
        if self.settings.stemming:
            tokens = self.stem_words(tokens)
        return tokens
