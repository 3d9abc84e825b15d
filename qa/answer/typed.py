"""Factoid questions: what kind of answer a question expects (a number, amount, date or name)
and whether a sentence holds one: a feature of sentence selection (``answer.features``) and the
fact a generated answer must state (``generate.answerer``). The short answer shown is chosen by the
fitted span model in ``answer.spans.features``."""

from __future__ import annotations

import re

from index.tokenization import ENGLISH_STOPWORDS

QUANTITY, DATE, NAME = "quantity", "date", "name"

_EXPECTS = [
    (DATE, re.compile(r"\bwhen\b|\b(?:what|which|by what|in what|during which)\s+(?:year|years|date|month|day)\b", re.I)),
    (QUANTITY, re.compile(r"\bhow (?:many|much|large|big|long|high|tall|far|deep|old|wide|heavy)\b|\bwhat (?:percentage|percent|share|"
                          r"proportion|fraction|amount|number|rate|sum)\b|\bwhat (?:\w+ )?(?:rate|level) (?:will|is|was)\b"
                          r"|\b(?:cut|reduced|lowered|raised) to\b", re.I)),
    (NAME, re.compile(r"^\W*who\b|\bwhich\b|\bat which\b|\bwhere\b|\bwhat (?:company|firm|"
                      r"country|city|port|agency|organi[sz]ation|university|browser|summit)\b", re.I)),
]

_NOT_NAMES = ENGLISH_STOPWORDS | set(
    "the a an he she we they it its our his her their however while under both each yet although "
    "after before following unlike despite meanwhile moreover in on at for from with by "
    "january february march april may june july august september october november december".split())
_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
_PATTERNS = {
    DATE: re.compile(rf"\b{_MONTH}\s+\d{{1,2}},\s+\d{{4}}\b|\b{_MONTH}\s+\d{{4}}\b|\b\d{{1,2}}\s+{_MONTH}\s+\d{{4}}\b"
                     r"|\b(?:1[5-9]|20)\d{2}\s?[-–]\s?(?:1[5-9]|20)\d{2}\b|\b(?:1[5-9]|20)\d{2}s?\b"),
    QUANTITY: re.compile(r"(?:[$€£¥]\s?)?(?<![\w-])\d[\d,]*(?:\.\d+)?(?:\s?%|\s(?:percent|per cent))?"
                         r"(?:\s(?:thousand|million|billion|trillion))?(?:\s(?P<noun>[a-z][a-z-]+))?"),
    NAME: re.compile(r"\b[A-Z][\w’'&.-]*(?:\s+(?:of\s+|&\s+)?[A-Z][\w’'&.-]*)*"),
}


def expected_type(question: str) -> str | None:
    for kind, pattern in _EXPECTS:
        if pattern.search(question):
            return kind
    return None


def find_short_answer(question: str, sentence: str) -> str | None:
    """The number, amount, date or name in ``sentence`` that answers ``question``, if one is
    clearly there (nearest to the words the sentence shares with the question)."""
    kind = expected_type(question)
    if kind is None:
        return None
    question_words = {w.lower() for w in re.findall(r"[\w’'-]+", question)}
    candidates = []
    for match in _PATTERNS[kind].finditer(sentence):
        text = _candidate_text(kind, match, question_words)
        if text and not _mostly_in_question(text, question_words):
            candidates.append((match.start(), text))
    if not candidates:
        return None
    if kind == QUANTITY and re.search(r"\bto\W*$", question):  # "... be cut to?": the value after "to"
        after_to = [c for c in candidates if sentence[:c[0]].rstrip().endswith(" to")]
        candidates = after_to or candidates
    anchors = [m.start() for m in re.finditer(r"[\w’'-]+", sentence)
               if m.group().lower() in question_words and m.group().lower() not in ENGLISH_STOPWORDS]
    if not anchors:
        return candidates[0][1]
    return min(candidates, key=lambda c: min(abs(c[0] - a) for a in anchors))[1]


def _candidate_text(kind: str, match: re.Match, question_words: set[str]) -> str | None:
    text = match.group().strip()
    if kind == QUANTITY:
        noun = match.group("noun")
        if noun and (noun in ENGLISH_STOPWORDS or noun in {"of", "from", "to", "percent"}
                     or re.search(r"[$%]|percent|illion|thousand", text.removesuffix(noun))):
            text = text[: match.start("noun") - match.start()].strip()
        if re.fullmatch(r"(?:1[5-9]|20)\d{2}", text):
            return None  # a bare year is a date, not a quantity
        return text
    if kind == NAME:
        words = text.split()
        while words and (words[0].lower() in _NOT_NAMES
                         or words[0].lower().removesuffix("’s").removesuffix("'s") in question_words):
            words.pop(0)
        return " ".join(words).rstrip(".’'-") or None
    return text


def _mostly_in_question(text: str, question_words: set[str]) -> bool:
    words = [w.lower() for w in re.findall(r"[\w’'-]+", text)]
    return bool(words) and sum(w in question_words for w in words) * 2 > len(words)
