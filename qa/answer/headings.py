"""The headings a passage sits under, as exact spans of its document. A section's heading can
hold what a question asks and its sentences do not: "Which version added two-factor
authentication?" of "## Version 2.1 (2024-11-05)" above "- Two-factor authentication with
authenticator apps.", or "When was dark mode added?" of a release's dated heading."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from index.chunking import BREADCRUMB_SEPARATOR, heading_names

from qa.answer.candidates import Candidate
from qa.records import Hit
from qa.answer.spans.rules import asks_when, timely, what_span_must_say

# "Which version…", "What release…": the noun a question asks by (not "What is…", "Which of…")
_ASKED_NOUN = re.compile(r"\b(?:what|which)\s+(?!(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would|"
                         r"should|of|one|ones)\b)(\w+)", re.IGNORECASE)
_SAME_NOUNS = (frozenset({"version", "releas"}),)  # stems of nouns a heading may name for another ("Which release…")


@dataclass(frozen=True)
class Heading:
    """A heading's name as an exact span of its document, and its 1-based line."""

    start: int
    end: int
    text: str
    line: int


class SectionHeadings:
    """A document's heading lines (``index.chunking.heading_names``), read once."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._headings, line, counted = [], 1, 0
        for start, end, name in heading_names(text):
            line, counted = line + text.count("\n", counted, start), start
            self._headings.append(Heading(start, end, name, line))

    def of(self, section: str, before: int) -> list[Heading]:
        """The headings of ``section`` (a breadcrumb, "Version 2.1 (…) › New features"),
        innermost first: for each of its names, the last heading so named before ``before``."""
        found = []
        for name in reversed(section.split(BREADCRUMB_SEPARATOR) if section else []):
            heading = next((h for h in reversed(self._headings) if h.end <= before and h.text == name), None)
            if heading is not None:
                found.append(heading)
        return found


    def opens(self, section: str, start: int) -> bool:
        """Whether ``start`` is the first thing under the innermost heading of ``section``."""
        headings = self.of(section, start)
        return bool(headings) and not self._text[headings[0].end:start].strip()

    def closes(self, end: int) -> bool:
        """Whether nothing but white space lies between ``end`` and the next heading (or the
        document's end): a section ends there."""
        following = next((h.start for h in self._headings if h.start >= end), len(self._text))
        return not self._text[end:following].lstrip("# \t\n").strip()


def named_by(asked: set[str], name: str, stems: Callable[[str], list[str]]) -> bool:
    """Whether a question (``asked``: its terms) names a heading's ``name`` and asks for more
    than the name: it holds some of the heading's terms and the heading holds terms it does not
    ("When was version 2.2 released?" of "Version 2.2 (2025-01-20)"). Which of them answer,
    ``looks_up`` tells."""
    terms = set(stems(name))
    return bool(terms & asked) and not terms <= asked


def looks_up(asked: set[str], heading: Heading, answer: tuple[int, int], stems: Callable[[str], list[str]]) -> bool:
    """Whether a question (``asked``: its terms) holds every term of ``heading`` but those of
    its ``answer`` span (``[start, end)`` in the heading's text): it asks for what the heading
    gives of the section it names, as a table lookup asks for a row's cell."""
    text = heading.text
    rest = set(stems(text[:answer[0]] + " " + text[answer[1]:]))
    return bool(rest) and rest <= asked


def heading_wanted(question: str, sentence: str, own: str | None,
                   stems: Callable[[str], list[str]]) -> Callable[[Heading], bool] | None:
    """What a heading of a sentence's section must hold to answer ``question`` where the
    sentence does not (``own``: the sentence's short answer, if it shows one), if a heading
    may: the noun the question asks by, or one it means ("which version", "which release":
    "Version 2.1 (…)", not "Options", which says nothing more), when the sentence does not name
    it, unless the heading also holds the sentence's answer ("Which browser…?": "Maxthon" of
    "Maxthon browser Windows 11 support"); for a question asking
    when that the sentence gives no answer to, something of time. None: no heading is read."""
    asked = _ASKED_NOUN.search(question)
    noun = set(stems(asked.group(1))) if asked else set()
    noun |= {same for nouns in _SAME_NOUNS if noun & nouns for same in nouns}
    if noun and not noun & set(stems(sentence)):
        answer = set(stems(own or ""))
        return lambda heading: (bool(noun & set(stems(heading.text))) and bool(set(stems(heading.text)) - noun)
                                and not (answer and answer <= set(stems(heading.text))))
    if asks_when(question) and not own:
        return lambda heading: timely(heading.text)
    return None


class HeadingAnswers:
    """What a section's heading answers, read from a document's headings (``layout``) by the
    short-answer model (``shown``: the span it shows of a heading for a question, if any)."""

    def __init__(self, layout: Callable[[str], SectionHeadings | None],
                 shown: Callable[[str, str], tuple[int, int] | None], stems: Callable[[str], list[str]]) -> None:
        self._layout, self._shown, self._stems = layout, shown, stems

    def named(self, question: str, hits: Sequence[Hit], candidates: Sequence[Candidate], scores: Sequence[float]
              ) -> tuple[int, Heading, tuple[int, int]] | None:
        """A heading of a retrieved passage's section that the question names and asks the rest
        of ("When was version 2.2 released?": "Version 2.2 (2025-01-20)", ``looks_up``) when it
        asks for a time or an amount (``what_span_must_say``), with the best-scored candidate
        under it, which leads, and its shown span."""
        says = what_span_must_say(question)
        asked = set(self._stems(question)) if says else set()
        for hit in hits if says else []:
            names = [n for n in hit.section.split(BREADCRUMB_SEPARATOR) if n and named_by(asked, n, self._stems)]
            under = [i for i, c in enumerate(candidates) if c.hit.chunk_id == hit.chunk_id]
            layout = self._layout(hit.doc) if names and under else None
            for heading in (h for h in (layout.of(hit.section, hit.start) if layout else []) if h.text in names):
                span = self._shown(question, heading.text)
                if span and says(heading.text[slice(*span)]) and looks_up(asked, heading, span, self._stems):
                    return max(under, key=lambda i: scores[i]), heading, span
        return None

    def of_lead(self, question: str, lead: Candidate, own: str | None) -> tuple[Heading, tuple[int, int]] | None:
        """A heading of the lead's section that holds what the question asks for and the lead
        does not (``heading_wanted``; ``own``: the lead's short answer, if it shows one), with
        its shown span, if any. The document's headings are read only when one is wanted."""
        wanted = heading_wanted(question, lead.text, own, self._stems) if lead.hit.section else None
        layout = self._layout(lead.hit.doc) if wanted else None
        for heading in filter(wanted, layout.of(lead.hit.section, lead.hit.start) if layout else []):
            span = self._shown(question, heading.text)
            if span:
                return heading, span
        return None
