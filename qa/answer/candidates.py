"""Candidate sentences of the retrieved passages: each an exact span to cite, and the text the
answer model reads it as. A Markdown table row alone ("| Team | $29 | 10 |") does not say
which column holds what, and a list item does not say what the list is of, so a row is read
with its header's column names ("Plan: Team; Price: $29; Users: 10") and an item after its
lead-in; the quote stays the row or the item itself. Which row of a table or which part of a
list should lead is decided here too (``asked_row``, ``whole_list``); tables are parsed in
``tables``."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.sentences import sentence_spans
from index.text import masked_markup
from index.tokenization import ENGLISH_STOPWORDS

from qa.answer.citations import lines_of
from qa.answer.typed import find_short_answer
from qa.records import Hit
from qa.answer.tables import TABLE_ROW, TableHeaders, table_rows

LIST_ITEM = re.compile(r"[•◦▪‣*+-]\s+|\d{1,3}[.)]\s+")
MIN_WORDS = 3  # shorter spans ("Notes:", "• Basic") are never candidates, but a field line ...
FIELD_LINE = re.compile(r"([A-Z][A-Za-z]+(?:[ -][A-Za-z]+){0,2}):[ \t]+(\S[^\n]*)")  # ("Location: Room 4B") ...
_SHORT_WITH_NUMBER = re.compile(r"\w+\s+\S*\d\S*[.!]|(?!\d{1,3}[.)]\s)\S*\d\S*\s+\w+[.!]")  # ... or "Serves 8.",
# not a numbered heading ("4. Deposit.")
_ASKS_PURPOSE = re.compile(r"^\W*what\s+(?:does|do|did|is|are)\b.*\b(?:do|mean|for)\W*$", re.IGNORECASE)
_DESCRIBING_COLUMN = re.compile(r"\b(?:description|meaning|purpose|effect|explanation|what it does)\b", re.IGNORECASE)
_QUESTION = re.compile(r"\?[\s\"'”’)*_]*$")  # a sentence that asks ("Can I change my username?") answers nothing


@dataclass
class Candidate:
    """A sentence of a retrieved passage, as an exact document span (``text``), and what the
    answer model reads it as (``reading``: the text itself unless it is a table row or a list
    item)."""

    hit: Hit
    start: int
    end: int
    text: str
    line_start: int
    line_end: int
    reading: str = ""
    columns: tuple[tuple[str, int, int], ...] = ()  # a table row's cells: column name, [start, end) in text
    is_list: bool = False  # a lead-in with its list items: which item answers is for the items to say

    def __post_init__(self) -> None:
        self.reading = self.reading or self.text

    @property
    def is_code(self) -> bool:
        """A fenced code block, alone or after the sentence that introduces it."""
        return self.text.rstrip().endswith(("```", "~~~")) and ("\n```" in self.text or "\n~~~" in self.text)

    def typed_answer(self, question: str) -> str | None:
        """The number, date or name of the kind the question asks for, if this sentence holds
        one (a selection feature; the short answer shown is chosen by ``answer.spans.features``)."""
        return find_short_answer(question, self.reading)

    def named_cell(self, question: str, tokenize: Callable[[str], list[str]], context: str = ""
                   ) -> tuple[int, int] | None:
        """For a table row, the ``[start, end)`` of the cell in the one column the question
        names ("What is the area of Hoorn?": the Area cell), or else its ``context`` (the
        question with the conversation's: "What about Enterprise?" after "How many users…"),
        leaving out a column whose cell either holds, word for word (the row it asks about:
        "Team" of "the Team plan"; "caching" does not hold "--no-cache", which "Which option
        disables caching?" asks for); for a question asking what something does, means or is
        for, the cell of the one column that describes ("Description", "Meaning", "Purpose")."""
        asked_text = f"{question} {context}"
        held, words = set(tokenize(asked_text)), _words(asked_text)
        unheld = [(name, start, end) for name, start, end in self.columns
                  if not (set(tokenize(self.text[start:end])) <= held and _words(self.text[start:end]) <= words)]
        for text in (question, context):
            asked = set(tokenize(text))
            named = [(start, end) for name, start, end in unheld if asked & set(tokenize(name))]
            if named:
                return named[0] if len(named) == 1 else None
        if _ASKS_PURPOSE.search(question):  # "What does the --no-cache option do?": its Description
            described = [(start, end) for name, start, end in unheld if _DESCRIBING_COLUMN.search(name)]
            return described[0] if len(described) == 1 else None
        return None

    def cells_asked(self, question: str, tokenize: Callable[[str], list[str]]) -> int:
        """How many of a table row's cells the question holds, all of their words ("Hoorn")."""
        asked = set(tokenize(question))
        cells = (set(tokenize(self.text[start:end])) for _, start, end in self.columns)
        return sum(1 for words in cells if words and words <= asked)


def _words(text: str) -> set[str]:
    """``text``'s words as written (lower case), but stop words."""
    return set(re.findall(r"\w+", text.lower())) - ENGLISH_STOPWORDS


def candidate_sentences(hits: list[Hit], tables: Callable[[str], TableHeaders | None] = lambda doc: None,
                        code_blocks: Callable[[str], Sequence[tuple[int, int]] | None] = lambda doc: None
                        ) -> list[Candidate]:
    """Every sentence of the passages (in document coordinates) but questions, once, with the
    best rank of a passage that holds it. ``tables`` gives a document's ``TableHeaders``: a
    table that runs on from an earlier passage is read with its header from there;
    ``code_blocks`` a document's fenced code blocks: the lines of one that a passage holds only
    in part (a long block cut between chunks) are no sentences."""
    seen: dict[tuple[str, int, int], Candidate] = {}
    for hit in hits:
        headers = tables(hit.doc) if TABLE_ROW.match(hit.text) else None
        running = headers.before(hit.start) if headers else []
        cut = [(a, b) for a, b in (code_blocks(hit.doc) or []) if a < hit.end and hit.start < b
               and not hit.start <= a < b <= hit.end] if _FENCE_LINE.search(hit.text) else []
        for start, end, reading, columns, grouped in passage_sentences(hit.text, running, hit.section):
            text = hit.text[start:end]
            key = (hit.doc, hit.start + start, hit.start + end)
            if any(a < key[2] and key[1] < b for a, b in cut):
                continue
            if (len(text.split()) >= MIN_WORDS or FIELD_LINE.match(text) or _SHORT_WITH_NUMBER.fullmatch(text)) \
                    and key not in seen and not _QUESTION.search(text):
                seen[key] = Candidate(hit, key[1], key[2], text, *lines_of(hit, key[1], key[2]), reading, columns,
                                      grouped)
    return list(seen.values())


def passage_sentences(text: str, running_header: Sequence[str] = (), heading: str = ""
                      ) -> list[tuple[int, int, str, tuple, bool]]:
    """``(start, end, reading, columns, is_list)`` of a passage's candidates in order: its
    sentences (a code block one, and one with the sentence before it that introduces it with
    ":", "how do I…" being answered by the two together), each table
    row whole (a header row and its rule are not candidates: every row is read with them; a
    table the passage opens with is read with ``running_header``, its header in an earlier
    passage), and a lead-in ending with ":" with the list items after it as one span (each
    sentence of an item is a candidate too, read after the lead-in). A list the passage opens
    with has its section's ``heading`` for a lead-in ("Ingredients: - 3 ripe bananas …"), and
    a sentence it opens with is read after it ("In the box: The headphones come with …")."""
    rows = table_rows(text, running_header)
    spans = sorted({*rows, *(s for s in sentence_spans(text) if not any(a <= s[0] < b for a, b in rows))})
    readings: dict[tuple[int, int], str] = {}
    lists: set[tuple[int, int]] = set()
    if heading and spans and not text[:spans[0][0]].strip():  # what the passage opens with reads after its heading
        opening = _list_items(text, spans, 0, rows)
        for item_start, item_end, body in opening:
            readings[item_start, item_end] = f"{heading}: {text[body:item_end]}"
        if len(opening) > 1:
            readings[opening[0][0], opening[-1][1]] = f"{heading}: {text[opening[0][0]:opening[-1][1]]}"
            lists.add((opening[0][0], opening[-1][1]))
        elif not opening and spans[0] not in rows and text[spans[0][1] - 1] != ":":  # not a lead-in: its own
            readings[spans[0]] = f"{heading}: {text[slice(*spans[0])]}"
    for i, (start, end) in enumerate(spans):
        if (start, end) in rows:
            if rows[start, end] is not None:
                readings[start, end] = rows[start, end][0]
            continue
        items = _list_items(text, spans, i + 1, rows) if text[end - 1] == ":" else []
        for item_start, item_end, body in items:
            readings[item_start, item_end] = f"{text[start:end]} {text[body:item_end]}"
        if items:
            lists.add((start, items[-1][1]))
        elif text[end - 1] == ":" and i + 1 < len(spans) and _FENCE.match(text, spans[i + 1][0]):
            code_start, code_end = spans[i + 1]  # the sentence that introduces a code block, with it
            readings[start, code_end] = f"{text[start:end]} {_code_body(text[code_start:code_end])}"
            continue
        readings.setdefault((start, items[-1][1] if items else end), text[start:items[-1][1] if items else end])
    for (start, end), reading in list(readings.items()):
        if _FENCE.match(text, start):  # a code block alone reads after its section's heading
            readings[start, end] = f"{heading}: {_code_body(reading)}" if heading else _code_body(reading)
    return [(start, end, masked_markup(reading), rows[start, end][1] if (start, end) in rows else (), (start, end) in lists)
            for (start, end), reading in sorted(readings.items())]


_FENCE = re.compile(r"`{3,}|~{3,}")
_FENCE_LINE = re.compile(r"^[ \t]*(?:`{3,}|~{3,})", re.MULTILINE)


def _code_body(block: str) -> str:
    """A fenced code block's code, without its fences and language."""
    lines = block.strip().split("\n")
    return "\n".join(lines[1:-1] if len(lines) > 2 and _FENCE.match(lines[-1].strip()) else lines[1:])


def _list_items(text: str, spans: list[tuple[int, int]], first: int, rows: dict) -> list[tuple[int, int, int]]:
    """The list whose first item is ``spans[first]``: each item sentence's start, end and where
    its words start (after the marker); an item's later sentences belong to it. Empty if
    ``spans[first]`` is no list item."""
    items: list[tuple[int, int, int]] = []
    for item_start, item_end in spans[first:]:
        marker = LIST_ITEM.match(text, item_start)
        same_item = bool(items) and "\n" not in text[items[-1][1]:item_start]  # an item's next sentence
        if not (marker or same_item) or (item_start, item_end) in rows:
            break
        items.append((item_start, item_end, marker.end() if marker else item_start))
    return items
