"""Typos in a question, read against the index's own words. A word of at least
``MIN_LETTERS`` letters that is no English word (the packaged model's vocabulary, with common
endings taken off) and whose stem no chunk holds, one edit (a letter dropped, added, changed,
or two swapped) from stems that chunks do hold, is read as the most common of them, spelled as
the passages that hold it spell it ("phone suport" → "phone support"); BM25 finds nothing for
a word no chunk holds, and the answer's confidence counts the question's words it finds. A
real word the documents lack ("slang", "eldest") is left as it is: without a word list (the
model not installed) nothing is corrected. The first letter is never changed: typists seldom
miss it, and a word list of 22,501 lacks real words one first letter from the documents'
("paternity" was read as "maternity")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from index.backends import Scope
from index.embedding import packaged_words
from index.lexical import LexicalIndex
from index.store import RecordStore
from index.tokenization import Tokenizer

from qa.search.scoped import spelling_within

MIN_LETTERS = 5  # shorter words or stems are one edit from too many others ("cost": "most", "post")
SPELLING_PASSAGES = 10  # passages whose spelling of a corrected stem is taken
_LETTERS = "abcdefghijklmnopqrstuvwxyz"
_WORD = re.compile(r"[^\W\d_]+")  # letters, accented ones too ("Niccolò")
_ENDINGS = ("ing", "ed", "es", "s", "ly", "able", "ness", "ment", "en")
_PREFIXES = ("un", "re", "dis", "non", "in")


@dataclass(frozen=True)
class Reading:
    """A question as read: itself, or with each typo replaced (``changed``: as typed → as read)."""

    question: str
    changed: tuple[tuple[str, str], ...] = ()

    @property
    def notice(self) -> str | None:
        if not self.changed:
            return None
        return "read " + ", ".join(f"“{typed}” as “{read}”" for typed, read in self.changed) + \
            " (the documents hold no such word)"


class Speller:
    """Reads a typed question's unknown words as the index's own words one edit away
    ("chalenges": "challenges"), so a typo finds what its word would have."""

    def __init__(self, tokenizer: Tokenizer, lexical: LexicalIndex, records: RecordStore,
                 words: frozenset[str] | None = None) -> None:
        self.tokenizer, self.lexical, self.records = tokenizer, lexical, records
        self.words = packaged_words() if words is None else words

    def is_word(self, word: str) -> bool:
        """An English word, or one with common endings or a prefix ("lightened", "unlivable")."""
        forms = {word.lower()}
        forms |= {form[len(start):] for form in forms for start in _PREFIXES if form.startswith(start)}
        for _ in range(2):  # "unknowingly" → "unknowing" → "unknow"
            forms |= {form[:-len(end)] + tail for form in forms for end in _ENDINGS if form.endswith(end)
                      for tail in ("", "e")}
        return not forms.isdisjoint(self.words)

    def read(self, question: str, scope: Scope | None = None) -> Reading:
        """The question with its typos replaced by the index's words, where one edit finds one;
        with ``scope``, the words of those documents only (when ``lexical`` is a ``ScopedLexical``)."""
        with spelling_within(scope):
            return self._read(question)

    def _read(self, question: str) -> Reading:
        fixes = {}  # the typed word's span -> the stem it is read as
        for word in _WORD.finditer(question):
            stems = self.tokenizer(word.group())
            if (len(word.group()) >= MIN_LETTERS and len(stems) == 1 and len(stems[0]) >= MIN_LETTERS
                    and not self.lexical.known(stems[0])
                    and self.words and not self.is_word(word.group())):
                near = [stem for stem in one_edit(stems[0]) if stem[:1] == stems[0][:1] and self.lexical.known(stem)]
                if near:
                    fixes[word.span()] = min(near, key=lambda stem: (self.lexical.idf(stem), stem))
        if not fixes:
            return Reading(question)
        spelled = self._spellings(self.tokenizer(question) + list(fixes.values()),
                                  {question[start:end]: stem for (start, end), stem in fixes.items()})
        changed, pieces, cursor = [], [], 0
        for start, end in sorted(fixes):
            if question[start:end] in spelled:
                pieces += [question[cursor:start], spelled[question[start:end]]]
                changed.append((question[start:end], spelled[question[start:end]]))
                cursor = end
        return Reading("".join(pieces) + question[cursor:], tuple(changed))

    def _spellings(self, query: list[str], fixes: dict[str, str]) -> dict[str, str]:
        """Per typed word in ``fixes`` (typed → stem), the spelling of its stem in the passages
        BM25 finds for ``query`` that is closest to what was typed ("chalenges": "challenges",
        not "challenge")."""
        found: dict[str, set[str]] = {stem: set() for stem in fixes.values()}
        rows = [row for row, _ in self.lexical.search(query, SPELLING_PASSAGES)]
        for chunk in self.records.chunks(rows):
            for word in set(_WORD.findall(chunk.text)):
                stem = self.tokenizer(word)
                if len(stem) == 1 and stem[0] in found:
                    found[stem[0]].add(word.lower())
        return {typed: max(sorted(found[stem]), key=lambda word: SequenceMatcher(None, typed.lower(), word).ratio())
                for typed, stem in fixes.items() if found[stem]}


def one_edit(word: str) -> set[str]:
    """Every string one deletion, transposition, replacement or insertion of a letter away."""
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    return ({a + b[1:] for a, b in splits if b}
            | {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
            | {a + c + b[1:] for a, b in splits if b for c in _LETTERS}
            | {a + c + b for a, b in splits for c in _LETTERS}) - {word}
