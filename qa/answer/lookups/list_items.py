"""Questions that ask for an item of a list by its place ("What is the first step?", "What is
step 3?", "What is the last ingredient?"): the item at that place of the best-scored list whose
items are all in the passage, cited alone. A sentence score cannot answer them: "first" is a
word of no item."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from qa.answer.candidates import LIST_ITEM, Candidate
from qa.answer.headings import SectionHeadings
from qa.answer.state import AnswerState, Lookup

_ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")
# "What do I do after mashing the bananas?", "What comes before the egg?": the item beside the best one
_BESIDE = re.compile(r"\b(?:what\s+(?:do|does|should|must|can)\s+(?:i|you|we|one)\s+do|what\s+comes|what\s+happens|"
                     r"what\s+is\s+the\s+(?:next\s+)?(?:step|stage)|which\s+(?:step|stage)\s+comes)\s+"
                     r"(?P<side>after|before|next\s+after)\b", re.IGNORECASE)
_ASKS_STEP = re.compile(r"\b(?:step|stage|instruction)s?\b", re.IGNORECASE)
_BY_PLACE = re.compile(rf"\b(?P<ordinal>{'|'.join(_ORDINALS)}|last|final)\s+(?:\w+\s+)?(?:step|stage|instruction|"
                       r"item|ingredient|thing|task|point|requirement|rule)s?\b"
                       r"|\b(?:step|stage|item|point)\s+(?:number\s+)?(?P<number>\d{1,2})\b", re.IGNORECASE)


def asked_place(question: str) -> int | None:
    """The place ``question`` asks for: 1 for "first", 3 for "step 3", -1 for "last"; None if
    it asks for none."""
    found = _BY_PLACE.search(question)
    if found is None:
        return None
    if found.group("number"):
        return int(found.group("number"))
    ordinal = found.group("ordinal").lower()
    return -1 if ordinal in ("last", "final") else _ORDINALS.index(ordinal) + 1


def list_item(candidates: Sequence[Candidate], scores: Sequence[float], question: str,
              layout: Callable[[str], SectionHeadings | None]) -> int | None:
    """The item after or before the best-scored sentence, an item, if ``question`` asks so ("What
    do I do after mashing the bananas?"); else the candidate item at the place it asks for, of the best-scored list (a lead-in
    with its items, ``Candidate.is_list``; numbered lists first for a step) that has one there:
    by its number in a numbered list, else by its order if the list starts in the passage
    (after its lead-in, or first under its section's heading). The last item only of a list
    that ends before its passage does or with its section (``layout``: a document's headings),
    as a passage's end may cut a list."""
    beside = _BESIDE.search(question)
    if beside:
        return _beside(candidates, scores, -1 if beside.group("side").lower() == "before" else 1)
    place = asked_place(question)
    lists = sorted((i for i, c in enumerate(candidates) if c.is_list), key=lambda i: -scores[i]) if place else []
    found = [(whole, _items(candidates, whole)) for whole in lists]
    if _ASKS_STEP.search(question):
        found.sort(key=lambda pair: not pair[1][1])  # numbered lists first (stable: by score)
    for whole, (items, numbers) in found:
        outer = candidates[whole]
        headings = layout(outer.hit.doc) if outer.hit.section else None
        if place == -1:
            if items and (outer.hit.text[outer.end - outer.hit.start:].strip()
                          or (headings is not None and headings.closes(outer.end))):
                return items[-1]
        elif numbers:
            if place in numbers:
                return numbers[place]
        elif place <= len(items) and (not LIST_ITEM.match(outer.text)
                                      or (headings is not None and headings.opens(outer.hit.section, outer.start))):
            return items[place - 1]
    return None


def _beside(candidates: Sequence[Candidate], scores: Sequence[float], step: int) -> int | None:
    """The item ``step`` places from the best-scored sentence, in its list, if that is an item
    of a list."""
    best = max((i for i, c in enumerate(candidates) if not c.is_list), key=lambda i: scores[i], default=None)
    for whole in (i for i, c in enumerate(candidates) if c.is_list):
        items, _ = _items(candidates, whole)
        if best in items and 0 <= items.index(best) + step < len(items):
            return items[items.index(best) + step]
    return None


def _items(candidates: Sequence[Candidate], whole: int) -> tuple[list[int], dict[int, int]]:
    """The items of list candidate ``whole`` in order (their first sentences), and those of a
    numbered list by number."""
    outer = candidates[whole]
    items = sorted((i for i, c in enumerate(candidates) if not c.is_list and LIST_ITEM.match(c.text)
                    and c.hit.chunk_id == outer.hit.chunk_id and outer.start <= c.start and c.end <= outer.end),
                   key=lambda i: candidates[i].start)
    markers = [LIST_ITEM.match(candidates[i].text).group().strip(" .)") for i in items]
    return items, {int(marker): i for marker, i in zip(markers, items) if marker.isdigit()}


class ListItem:
    """Lookup: a list's item by its place ("What is the first step?"), cited alone.
    ``layout``: a document's headings."""

    def __init__(self, layout: Callable[[str], SectionHeadings | None]) -> None:
        self.layout = layout

    def find(self, state: AnswerState) -> Lookup | None:
        evidence = state.evidence
        item = list_item(evidence.candidates, evidence.scores, state.as_read, self.layout)
        return Lookup(item, alone=True) if item is not None else None
