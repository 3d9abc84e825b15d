"""Short answers: the words of a cited sentence that answer the question ("1831", "the piano",
"Frédéric Chopin"), chosen by fitted ranking trees over every short span of the sentence,
so a short answer is always a substring of the sentence its ``[1]`` cites. When no span scores
above the fitted threshold there is no short answer rather than a wrong one.

Each span is described by what the question asks for (its class: who, when, how many, …)
crossed with the span's shape (year, number, capitalised name, lower-case phrase, amount), by
where the question's words are around it (answers sit next to the words they share with the
question, and are rarely made of them), by its length and boundaries, and by what a parser
says of it (``answer.spans.syntax``: an entity of which kind, a noun phrase, its role), and, with dense
retrieval, by what the embedding model's word vectors say (``answer.spans.vectors``: how close it is to
the question's asking phrase). The model that ranks them is
``answer.spans.model``, fitted by ``corpusqa calibrate-short-answers`` (``qa/fit/short_answers.py``):
one with the vectors, one without for BM25 fallback."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from index.token_vectors import TokenVectors
from index.tokenization import ENGLISH_STOPWORDS, Tokenizer

from qa.answer.spans.syntax import ENTITY_LABELS, FLAGS, KINDS_ASKED_BY, LAST_WORD_TAGS, ROLES, SpanSyntax, span_syntax
from qa.answer.spans.vectors import VECTOR_FEATURES, vector_rows

MAX_SPAN_WORDS = 7  # with it, 93 % of the fit questions' gold answers are one of the candidates
CLASSES = ("who", "when", "where", "how_many", "how_much", "how_measure", "which", "what_noun", "what", "why",
           "other")
WITHOUT_SHORT_ANSWER = ("why", "other")  # the first model's F1 on them: 0.12, 0.15 (fit articles, gold sentence)
SHAPES = ("number", "year", "month", "capitalised", "partly_capitalised", "lower_case", "amount")
_PLACEMENT = ("in_question", "any_in_question", "log_distance", "near_question_words", "question_words_left_3",
              "question_words_right_3", "question_words_left_8", "question_words_right_8", "log_words", "one_word",
              "two_words", "three_words", "five_or_more_words", "after_time_or_place_word", "after_of",
              "after_article", "after_comma", "before_punctuation", "before_parenthesis", "after_parenthesis",
              "place_in_sentence", "question_words_before", "question_words_after", "same_word_before_as_question",
              "question_noun_nearby", "mean_word_length", "last_word_ing_ly_ed", "commas", "holds_and",
              "question_word_next", "question_word_previous", "name_continues_left", "name_continues_right",
              "question_words_within_5")
_BY_CLASS = ("one_word", "three_or_more_words", "near_question_words", "any_in_question", "question_words_left",
             "question_words_right")
_SYNTAX = (tuple(f"{c}:entity:{e}" for c in CLASSES for e in ENTITY_LABELS) + tuple(f"entity:{e}" for e in ENTITY_LABELS)
           + FLAGS + ("entity_of_kind_asked", "entity_of_other_kind")
           + tuple(f"{c}:last_word:{t}" for c in CLASSES for t in LAST_WORD_TAGS)
           + tuple(f"{c}:role:{r}" for c in CLASSES for r in ROLES))
FEATURES = (tuple(f"{c}:{s}" for c in CLASSES for s in SHAPES) + SHAPES + _PLACEMENT
            + tuple(f"{c}:{g}" for c in CLASSES for g in _BY_CLASS) + _SYNTAX)
DENSE_FEATURES = FEATURES + VECTOR_FEATURES  # the model used with dense retrieval
_SYNTAX_AT = {name: i for i, name in enumerate(_SYNTAX)}
_FLAGS_AT = _SYNTAX_AT[FLAGS[0]]

_STOP = frozenset(ENGLISH_STOPWORDS)
# Words a short answer does not start with: stop words, auxiliaries, sentence adverbs and hedges
# ("Moreover", "has already", "approximately 130,000", "at least 7,000", "over 15,600"; the fit
# articles' gold answers start with one of the first three kinds 1 time in 2,004, "did", and with
# "over" 9, "about" 1; left out of the start, each fit article left out in turn, short-answer F1
# 0.540 -> 0.547), nor end with: those, pronouns and quantifiers (which may start one: "her
# father" 19 times, "all", "more" 6; they end 7).
_NOT_AT_START = _STOP | frozenset(
    "am is are was were be been being has have had having do does did can could might must shall should will "
    "would already also however moreover furthermore additionally meanwhile therefore thus hence instead "
    "nevertheless nonetheless consequently indeed still yet even just so although though whereas approximately roughly "
    "nearly about least only over".split())
_NOT_AT_END = _NOT_AT_START | frozenset(
    "i me my we our he him his she her hers it its they them their theirs you your who whom whose which what "
    "that this these those very too because various several many some any other each every all both few more most "
    "own such no much per".split())
_STEMMER = Tokenizer()  # question and sentence words meet as stems ("cut" finds "cutting")
_ASKING = frozenset("how many much what which who whom whose when where why".split())
_TOKEN = re.compile(r"\d{1,2}:\d\d(?::\d\d)?\b|[$€£¥]?\d+(?:,\d{3})*(?:\.\d+)?%?|\w+(?:[’'.&-]\w+)*|[^\w\s]")
_ENUMERATOR = re.compile(r"\s*(?:\d+(?:\.\d+)+\.?|\d{1,3}[.)]|\(?[a-z0-9]{1,3}\))\s+(?=[A-Z(“\"])")  # a clause's or item's number
_POSSESSIVE = re.compile(r"\w[’']s$")
_BREAKS = frozenset(";:()[]\"“”?!|")  # "|": a table's cells
MONTHS = frozenset("january february march april may june july august september october november december".split())
_TIME_OR_PLACE = frozenset("in on at during since until by from".split())
_STRANDED = frozenset("to from of in on at by for with into about as than".split())
_CLASS_PATTERNS = (
    ("who", r"\bwho(?:m|se)?\b"),
    ("when", r"\bwhen\b|\b(?:what|which) (?:year|years|date|month|day|century|decade|period)\b"),
    ("where", r"\bwhere\b"),
    ("how_many", r"\bhow many\b"),
    ("how_much", r"\bhow much\b"),
    ("how_measure", (r"\bhow (?:long|old|large|big|far|high|tall|deep|wide|often|fast|heavy)\b"
                     r"|\bwhat (?:percentage|percent|number|amount|proportion|share|rate)\b")),
    ("why", r"\bwhy\b"),
    ("which", r"\bwhich\b"),
    ("what_noun", r"\bwhat (?!(?:is|was|are|were|does|did|do|has|had|can|could|would|will|if)\b)\w+"),
    ("what", r"\bwhat\b"),
)


def question_class(question: str) -> str:
    """What the question asks for: one of ``CLASSES``."""
    lowered = question.lower()
    return next((name for name, pattern in _CLASS_PATTERNS if re.search(pattern, lowered)), "other")


@dataclass(frozen=True)
class SpanCandidates:
    """The candidate spans of one sentence for one question, with their feature rows."""

    spans: list[tuple[int, int]]  # [start, end) in the sentence
    features: np.ndarray  # spans × FEATURES (DENSE_FEATURES with vectors)


def span_candidates(question: str, sentence: str,
                    vectors: tuple[TokenVectors, TokenVectors] | None = None) -> SpanCandidates:
    """Every run of 1 to ``MAX_SPAN_WORDS`` words that starts and ends with a content word and
    crosses no clause break, described by ``FEATURES`` (and, given the question's and the
    sentence's ``vectors``, ``DENSE_FEATURES``); none for a question without a few words for an
    answer ("why …", or keywords with no question word)."""
    kind = question_class(question)
    width = len(DENSE_FEATURES if vectors else FEATURES)
    if kind in WITHOUT_SHORT_ANSWER:
        return SpanCandidates([], np.zeros((0, width)))
    tokens = list(_TOKEN.finditer(sentence))
    words = [t.group() for t in tokens]
    lowered = [w.lower() for w in words]
    stems = _STEMMER.stem_words(lowered)
    asked = question_words(question)
    anchors = [k for k, w in enumerate(stems) if w in asked]
    context = _QuestionContext.of(question, kind)
    spans, rows = [], []
    numbered = _ENUMERATOR.match(sentence)  # "2.2 A late fee of $75 applies…": "2.2" answers nothing
    for i, j in _word_runs(words, lowered):
        if numbered and tokens[i].start() < numbered.end():
            continue
        if "\n" in sentence[tokens[i].start():tokens[j - 1].end()]:  # list items are separate answers
            continue
        end = tokens[j - 1].end() - (2 if _POSSESSIVE.search(words[j - 1]) else 0)  # "Maxthon’s" answers "Maxthon"
        spans.append((tokens[i].start(), end))
        rows.append(_row(context, words, lowered, stems, asked, anchors, i, j))
    if not spans:
        return SpanCandidates([], np.zeros((0, width)))
    syntax = _syntax_rows(context, span_syntax(sentence, spans, question, asked, _STEMMER.stem_words, _NOT_AT_START))
    columns = [np.array(rows, dtype=np.float64), syntax]
    if vectors:
        columns.append(vector_rows(*vectors, sentence, spans))
    return SpanCandidates(spans, np.hstack(columns))


def question_words(question: str) -> set[str]:
    """The stems of the question's content words."""
    words = {w.lower() for w in re.findall(r"\w+", question)} - _STOP - _ASKING
    return set(_STEMMER.stem_words(list(words)))


@dataclass(frozen=True)
class _QuestionContext:
    kind: int  # index into CLASSES
    word_before_asking: str  # "in" of "In what year…", "to" of "… be cut to?"
    asked_noun: str  # the word after what/which/how: "year" of "what year", "many" of "how many"

    @classmethod
    def of(cls, question: str, kind: str) -> _QuestionContext:
        words = re.findall(r"\w+", question.lower())
        at = next((k for k, w in enumerate(words) if w in _ASKING - {"many", "much"}), None)
        before = words[at - 1] if at else ""
        if not before and words and words[-1] in _STRANDED:  # "What will the tariff be cut to?"
            before = words[-1]
        noun = words[at + 1] if at is not None and at + 1 < len(words) and words[at] in {"what", "which", "how"} else ""
        return cls(CLASSES.index(kind), before, noun)


def _word_runs(words: list[str], lowered: list[str]) -> Iterator[tuple[int, int]]:
    for i, word in enumerate(words):
        if lowered[i] in _NOT_AT_START or not (word[0].isalnum() or word[0] in "$€£¥"):
            continue
        for j in range(i, min(len(words), i + MAX_SPAN_WORDS)):
            if words[j] in _BREAKS:
                break
            if lowered[j] not in _NOT_AT_END and (words[j][-1].isalnum() or words[j][-1] == "%"):
                yield i, j + 1


def _shape(words: list[str]) -> np.ndarray:
    joined = " ".join(words)
    shape = np.zeros(len(SHAPES))
    shape[6] = bool(re.search(r"[$€£¥%]|\bpercent\b|\b(?:million|billion|thousand)\b", joined, re.IGNORECASE))
    if any(re.fullmatch(r"(?:1\d|20)\d\ds?", w) for w in words):
        shape[1] = 1
    elif any(c.isdigit() for w in words for c in w):
        shape[0] = 1
    shape[2] = any(w.lower() in MONTHS for w in words)
    capitals = [w[0].isupper() for w in words if w.lower() not in _STOP and w[0].isalpha()]
    if capitals:
        shape[3 if all(capitals) else 4 if any(capitals) else 5] = 1
    return shape


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _row(context: _QuestionContext, words: list[str], lowered: list[str], stems: list[str], asked: set[str],
         anchors: list[int], i: int, j: int) -> np.ndarray:
    span, span_lowered, n = words[i:j], lowered[i:j], j - i
    shape = _shape(span)
    by_shape = np.zeros((len(CLASSES), len(SHAPES)))
    by_shape[context.kind] = shape
    content = [stem for stem, word in zip(stems[i:j], span_lowered, strict=True) if word not in _STOP]
    in_question = sum(w in asked for w in content) / max(1, len(content))
    outside = [a for a in anchors if a < i or a >= j]
    distance = min(min(abs(a - i), abs(a - (j - 1))) for a in outside) if outside else 30
    per_term = max(1, len(asked))
    left3, right3 = sum(w in asked for w in stems[max(0, i - 3):i]), sum(w in asked for w in stems[j:j + 3])
    left8, right8 = sum(w in asked for w in stems[max(0, i - 8):i]), sum(w in asked for w in stems[j:j + 8])
    before = lowered[i - 1] if i > 0 else ""
    after = words[j] if j < len(words) else ""
    placement = [
        in_question, in_question > 0, math.log1p(distance), distance <= 2, left3 / per_term, right3 / per_term,
        left8 / per_term, right8 / per_term, math.log(n), n == 1, n == 2, n == 3, n >= 5,
        before in _TIME_OR_PLACE, before == "of", before in {"the", "a", "an"}, before == ",",
        after in {",", ".", ""}, after == "(", before == "(", i / max(1, len(words)),
        any(a < i for a in anchors), any(a >= j for a in anchors),
        bool(context.word_before_asking) and before == context.word_before_asking,
        bool(context.asked_noun) and context.asked_noun in lowered[i:j + 3],
        sum(len(w) for w in span) / n / 10, span_lowered[-1].endswith(("ing", "ly", "ed")),
        span.count(","), "and" in span_lowered, j < len(stems) and stems[j] in asked, i > 0 and stems[i - 1] in asked,
        i > 1 and _capitalised(words[i - 1]) and _capitalised(span[0]),  # "Heavy Industries" of "Samsung Heavy …"
        j < len(words) and _capitalised(words[j]) and _capitalised(span[-1]),
        len(asked.intersection(stems[max(0, i - 5):j + 5])) / per_term,
    ]
    by_class = np.zeros((len(CLASSES), len(_BY_CLASS)))
    by_class[context.kind] = [n == 1, n >= 3, distance <= 2, in_question > 0, left3 > 0, right3 > 0]
    return np.concatenate([by_shape.ravel(), shape, np.array(placement, dtype=np.float64), by_class.ravel()])


def _syntax_rows(context: _QuestionContext, spans: list[SpanSyntax]) -> np.ndarray:
    """The ``_SYNTAX`` columns of each span: its entity kind, last word and role crossed with
    the question's class (a "who" question wants a PERSON, a "when" one a DATE), the flags, and
    whether an entity is of the kind the question's noun asks for ("what city": a GPE)."""
    rows = np.zeros((len(spans), len(_SYNTAX)))
    asked = KINDS_ASKED_BY.get(context.asked_noun, frozenset())
    for row, span in zip(rows, spans, strict=True):
        if span.entity:
            row[_SYNTAX_AT[f"{CLASSES[context.kind]}:entity:{span.entity}"]] = 1
            row[_SYNTAX_AT[f"entity:{span.entity}"]] = 1
            row[_SYNTAX_AT["entity_of_kind_asked" if span.entity in asked else "entity_of_other_kind"]] = bool(asked)
        row[_FLAGS_AT:_FLAGS_AT + len(FLAGS)] = span.flags
        row[_SYNTAX_AT[f"{CLASSES[context.kind]}:last_word:{span.last_word}"]] = 1
        row[_SYNTAX_AT[f"{CLASSES[context.kind]}:role:{span.role}"]] = 1
    return rows
