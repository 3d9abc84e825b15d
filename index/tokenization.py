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
# NLTK's English list (bm25s's ``en_plus``): its 153 words a ``\w+`` token can be ("aren't" is
# read as "aren" and "t", both in it).
NLTK_STOPWORDS = frozenset((
    "a about above after again against ain all am an and any are aren as at be because been "
    "before being below between both but by can couldn d did didn do does doesn doing don down "
    "during each few for from further had hadn has hasn have haven having he her here hers "
    "herself him himself his how i if in into is isn it its itself just ll m ma me mightn more "
    "most mustn my myself needn no nor not now o of off on once only or other our ours ourselves "
    "out over own re s same shan she should shouldn so some such t than that the their theirs "
    "them themselves then there these they this those through to too under until up ve very was "
    "wasn we were weren what when where which while who whom why will with won wouldn y you your "
    "yours yourself yourselves "
).split())
# The default: NLTK's list less its quantifiers, comparatives and words of frequency, which carry
# meaning in claims and questions ("the most", "few patients"). nDCG@10 of BM25 alone, SciFact
# train / the SQuAD set: Lucene's list 0.6851 / 0.7810, NLTK's 0.6911 / 0.7893, this 0.6906 /
# 0.7903; hybrid 0.7330 / 0.8292, 0.7357 / 0.8308, 0.7359 / 0.8317 (``bench/tune_retrieval.py``).
QUANTIFIERS = frozenset("most more few other same only very own all any each some both further again once".split())
STOPWORD_LISTS = {"english": NLTK_STOPWORDS - QUANTIFIERS, "nltk": NLTK_STOPWORDS, "lucene": ENGLISH_STOPWORDS,
                  "none": frozenset()}
_TOKEN = re.compile(r"\w+", re.UNICODE)
_TOKEN_DOTTED = re.compile(r"\d+(?:\.\d+)+|\w+", re.UNICODE)  # "2.1" one term, as Lucene's StandardTokenizer reads it


@dataclass(frozen=True)
class TokenizerSettings:
    """``stopwords`` names a ``STOPWORD_LISTS`` entry (manifests before the lists were named
    say ``true``: Lucene's, or ``false``: none). With ``dotted_numbers`` a number with dots is
    one term ("version 2.1", "clause 4.2", "3.5 mm"), not "2" and "1", which every version and
    clause holds; manifests from before it say nothing (``from_manifest``: split)."""

    lowercase: bool = True
    stopwords: str = "english"
    stemming: bool = True
    dotted_numbers: bool = True

    @classmethod
    def from_manifest(cls, recorded: dict) -> TokenizerSettings:
        """The settings an index was built with, as its manifest records them."""
        return cls(**{"dotted_numbers": False, **recorded})

    def __post_init__(self) -> None:
        if isinstance(self.stopwords, bool):
            object.__setattr__(self, "stopwords", "lucene" if self.stopwords else "none")
        if self.stopwords not in STOPWORD_LISTS:
            raise ValueError(f"unknown stopword list {self.stopwords!r}: one of {', '.join(STOPWORD_LISTS)}")

    def as_dict(self) -> dict:
        return asdict(self)


class Tokenizer:
    """Split text into BM25 terms: word characters, optionally lower-cased,
    stop-worded and Snowball-stemmed (PyStemmer, the C implementation)."""

    def __init__(self, settings: TokenizerSettings = TokenizerSettings()) -> None:
        self.settings = settings
        self._stopwords = STOPWORD_LISTS[settings.stopwords]
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
        tokens = (_TOKEN_DOTTED if self.settings.dotted_numbers else _TOKEN).findall(text)
        if self._stopwords:
            tokens = [t for t in tokens if t.lower() not in self._stopwords]
        if self.settings.stemming:
            tokens = self.stem_words(tokens)
        return tokens
