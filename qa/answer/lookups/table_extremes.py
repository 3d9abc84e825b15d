"""Questions that ask which row of a table comes first by one of its columns ("Which plan is
cheapest?", "Which office has the most staff?", "Which office opened first?"): the rows are
compared by that column's quantities and the row holding the extreme answers, cited by its
exact span. A sentence score cannot answer them (every row reads alike to it), and a table
split over passages that were not all retrieved is not compared at all."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.answer.candidates import Candidate
from qa.answer.spans.rules import CURRENCY
from qa.answer.tables import TableHeaders
from qa.answer.conversation import STRONG
from qa.answer.state import AnswerState, Lookup

_MONEY = re.compile(CURRENCY)
_NUMBER = re.compile(r"(\d[\d,.]*)\s*(KB|MB|GB|TB|PB|k|K|M|bn|thousand|million|billion)?\b")
_UNITS = {"KB": 1e3, "MB": 1e6, "GB": 1e9, "TB": 1e12, "PB": 1e15, "k": 1e3, "K": 1e3, "thousand": 1e3,
          "M": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}
_UNLIMITED = re.compile(r"^\s*(?:unlimited|no limit)\s*$", re.IGNORECASE)
_YEAR_OR_DATE = re.compile(r"^\s*(?:1[5-9]|2[01])\d\d(?:-\d\d(?:-\d\d)?)?\s*$")


@dataclass(frozen=True)
class Extreme:
    """What a question asks of a table: the row with the ``lowest`` or highest value of a
    column of some ``kind``: "money", "time", "named" (a quantity the question names) or None
    (a quantity it names, else the table's only one)."""

    lowest: bool
    kind: str | None


# (question shape, lowest?, kind), tried in order (case-insensitive)
_ASKED = tuple((re.compile(pattern, re.IGNORECASE), lowest, kind) for pattern, lowest, kind in (
    (r"\b(?:cheapest|least expensive|lowest[- ]priced|lowest price|cheaper)\b", True, "money"),
    (r"\b(?:most expensive|priciest|highest[- ]priced|highest price|dearest)\b", False, "money"),
    (r"\b(?:first|earliest|oldest)\b", True, "time"),
    (r"\b(?:latest|newest|most recent(?:ly)?|last)\b", False, "time"),
    (r"\b(?:largest|biggest|highest)\b", False, None),
    (r"\b(?:smallest|lowest)\b", True, None),
    (r"\b(?:most|greatest|maximum)\b", False, "named"),  # "the most staff": a column it names
    (r"\b(?:least|fewest|minimum)\b", True, "named"),
))
_WHICH = re.compile(r"^\s*(?:which|what|who|where|and|how about)\b", re.IGNORECASE)  # "And the most expensive?"
_HOW_MUCH = re.compile(r"^\s*how\s+(?:much|many|big|large|long)\b", re.IGNORECASE)


def asked_extreme(question: str) -> Extreme | None:
    """The extreme ``question`` asks for, if it asks which row ("Which…", "What…") or how much
    the extreme row holds ("How much is the cheapest plan?") by a superlative."""
    if not (_WHICH.match(question) or _HOW_MUCH.match(question)):
        return None
    return next((Extreme(lowest, kind) for shape, lowest, kind in _ASKED if shape.search(question)), None)


def quantity(cell: str) -> float | None:
    """A cell's quantity, units applied ("1 TB" 1e12, "$1,850" 1850, "Unlimited" infinity);
    None if it holds no single number."""
    if _UNLIMITED.match(cell):
        return math.inf
    found = _NUMBER.findall(cell)
    if len(found) != 1:
        return None
    digits, unit = found[0]
    digits = digits.rstrip(".,")
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", digits):
        digits = digits.replace(",", "")
    elif re.fullmatch(r"\d{1,3}(?:\.\d{3}){2,}", digits):  # "1.084.831"
        digits = digits.replace(".", "")
    elif re.fullmatch(r"\d+,\d{1,2}", digits):  # a decimal comma: "9,99"
        digits = digits.replace(",", ".")
    try:
        return float(digits) * _UNITS.get(unit, 1.0)
    except ValueError:
        return None


def table_extreme(candidates: Sequence[Candidate], scores: Sequence[float], question: str,
                  tokenize: Callable[[str], list[str]], tables: Callable[[str], TableHeaders | None],
                  cell_only: bool = False) -> tuple[int, tuple[int, int]] | None:
    """The candidate row ``question`` asks for by a superlative, with the ``[start, end)`` of its
    cell to show (``extreme_row``), from the best-scored table whose every row is among the
    candidates (its passages cover it; ``tables``: a document's ``TableHeaders``). With
    ``cell_only`` (a follow-up read with its conversation's superlative: "How much storage
    does it have?" after "Which plan is cheapest?"), only if it asks for a cell of the row."""
    asked = asked_extreme(question)
    tables_rows: dict[tuple[str, tuple[int, int]], list[int]] = {}
    for i, candidate in enumerate(candidates if asked else []):
        headers = tables(candidate.hit.doc) if candidate.columns else None
        run = headers.run_at(candidate.start) if headers else None
        if run is not None:
            tables_rows.setdefault((candidate.hit.doc, run), []).append(i)
    for (_, run), rows in sorted(tables_rows.items(), key=lambda item: -max(scores[i] for i in item[1])):
        if _covered(run, [(candidates[i].hit.start, candidates[i].hit.end) for i in rows]):
            rows.sort(key=lambda i: candidates[i].start)
            found = extreme_row([candidates[i] for i in rows], asked, question, tokenize)
            if found is not None and not (cell_only and found[1] == candidates[rows[found[0]]].columns[0][1:]):
                return rows[found[0]], found[1]
    return None


def extreme_row(rows: Sequence[Candidate], asked: Extreme, question: str, tokenize: Callable[[str], list[str]]
                ) -> tuple[int, tuple[int, int]] | None:
    """Of a whole table's ``rows`` (candidates with their named cells), which one holds the
    ``asked`` extreme, with the ``[start, end)`` of its cell to show: that of another column the
    question names ("How much storage does the most expensive plan have?"), else the compared
    cell for "how much / how many", else the row's first cell (its name). None if no column
    fits or two rows share the extreme."""
    if len(rows) < 2:
        return None
    column = _compared_column(rows, asked, set(tokenize(question)), tokenize)
    if column is None:
        return None
    values = [_value(_cell(row, column), asked) for row in rows]
    best = (min if asked.lowest else max)(values)
    if values.count(best) > 1:
        return None
    k = values.index(best)
    terms = set(tokenize(question))
    named = [cell[1:] for cell in rows[k].columns[1:] if cell[0] != column and terms & set(tokenize(cell[0]))]
    compared = next(cell[1:] for cell in rows[k].columns if cell[0] == column)
    return k, named[0] if len(named) == 1 else compared if _HOW_MUCH.match(question) else rows[k].columns[0][1:]


def _compared_column(rows: Sequence[Candidate], asked: Extreme, question_terms: set[str],
                     tokenize: Callable[[str], list[str]]) -> str | None:
    """The column to compare: of those (but the first, the rows' names) whose every cell is a
    quantity of the kind asked for, the one the question names, else the only one."""
    fitting = []
    for name, _, _ in rows[0].columns[1:]:
        cells = [_cell(row, name) for row in rows]
        if any(_value(cell, asked) is None for cell in cells):
            continue
        if asked.kind == "money" and not all(_MONEY.search(cell) or _UNLIMITED.match(cell) for cell in cells):
            continue
        if asked.kind != "time" and all(_YEAR_OR_DATE.match(cell) for cell in cells):
            continue
        fitting.append(name)
    named = [name for name in fitting if question_terms & set(tokenize(name))]
    if len(named) == 1:
        return named[0]
    return fitting[0] if len(fitting) == 1 and not named and asked.kind != "named" else None


def _value(cell: str, asked: Extreme) -> float | str | None:
    """What a cell is compared by: a date or year as written (ISO dates sort as text), else its quantity."""
    if asked.kind == "time":
        return cell.strip() if _YEAR_OR_DATE.match(cell) else None
    return quantity(cell)


def _cell(row: Candidate, column: str) -> str:
    return next((row.text[start:end] for name, start, end in row.columns if name == column), "")


def _covered(run: tuple[int, int], spans: list[tuple[int, int]]) -> bool:
    """Whether ``spans`` together cover ``run`` (its last character, a line break, aside)."""
    reached = run[0]
    for start, end in sorted(spans):
        if start > reached:
            return False
        reached = max(reached, end)
    return reached >= run[1] - 1


class TableExtreme:
    """Lookup: the table row a superlative asks for ("Which plan is cheapest?"), cited alone
    with its asked cell; a follow-up that depends on its conversation ("How much does it
    cost?") is read with the conversation's superlative. ``tables``: a document's headers."""

    def __init__(self, tokenize: Callable[[str], list[str]], tables: Callable[[str], TableHeaders | None]) -> None:
        self.tokenize, self.tables = tokenize, tables

    def find(self, state: AnswerState) -> Lookup | None:
        evidence = state.evidence
        found = table_extreme(evidence.candidates, evidence.scores, state.as_read, self.tokenize, self.tables)
        if found is None and evidence.turn.dependence == STRONG:
            found = table_extreme(evidence.candidates, evidence.scores, evidence.turn.retrieval_query, self.tokenize,
                                  self.tables, cell_only=True)
        return Lookup(found[0], span=found[1], alone=True) if found else None
