"""Structure-aware chunking into exact spans of the document text.

A document is read as blocks (headings, paragraphs, list items). Headings build the
section breadcrumb; body blocks of one section are packed into chunks of about
``target_chars``, breaking between paragraphs when possible and otherwise between
sentences, never inside one. Consecutive chunks of a section share up to
``overlap_chars`` of whole sentences. Invariant: ``text[chunk.start:chunk.end] == chunk.text``.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from .document_model import CODE, HEADING, Block, ParsedDocument
from .formats import plain
from .formats.plain import heading_name
from .sentences import sentence_spans

BREADCRUMB_SEPARATOR = " › "
_PART_HEADING = re.compile(r"^(?:part|chapter|section|book|appendix)\s+[\dIVXLC]+\b", re.IGNORECASE)


@dataclass(frozen=True)
class ChunkerSettings:
    target_chars: int = 800
    overlap_chars: int = 150
    # "whole": a paragraph that fits in one chunk is never split (a chunk ends before it
    # instead); "half-full": the earlier rule, which only ended a chunk before a paragraph once
    # it was half full and so split 62 of SQuAD's 694 paragraphs that would have fitted.
    paragraphs: str = "whole"

    def __post_init__(self) -> None:
        if self.target_chars < 100:
            raise ValueError("target_chars must be at least 100")
        if not 0 <= self.overlap_chars < self.target_chars // 2:
            raise ValueError("overlap_chars must be between 0 and target_chars / 2")
        if self.paragraphs not in ("whole", "half-full"):
            raise ValueError("paragraphs must be 'whole' or 'half-full'")


@dataclass(frozen=True)
class Chunk:
    chunk_id: str
    doc: str  # path relative to the corpus root, with forward slashes
    title: str
    section: str  # breadcrumb, e.g. "Part III: … › Dimensions of Cooperation"
    start: int
    end: int
    line_start: int
    line_end: int
    text: str


def chunk_document(doc: str, document: ParsedDocument | str, settings: ChunkerSettings,
                   title: str | None = None) -> tuple[str, list[Chunk]]:
    """Return the document's title and its chunks (a bare string is read as plain text)."""
    if isinstance(document, str):
        document = plain.parse(document)
    text, blocks = document.text, list(document.blocks)
    title = title or document.title
    if blocks and blocks[0].kind == HEADING:
        name = heading_name(text[blocks[0].start:blocks[0].end])
        if title is None or (blocks[0].level <= 1 and name.casefold() == title.casefold()):
            title, blocks = title or name, blocks[1:]
    title = title or _title_from_path(doc)
    lines = _LineIndex(text)
    chunks: list[Chunk] = []
    seen_ids: set[str] = set()
    for section, body in _sections(text, blocks, title):
        for start, end in _pack(text, body, settings):
            chunk_text = text[start:end]
            chunk_id = _chunk_id(doc, chunk_text, seen_ids)
            chunks.append(Chunk(chunk_id, doc, title, section, start, end,
                                lines.line_of(start), lines.line_of(end - 1), chunk_text))
    return title, chunks


def heading_names(text: str) -> list[tuple[int, int, str]]:
    """Each heading line of ``text`` as the chunker reads it (the title's too), in order: the
    ``[start, end)`` of its name in ``text`` ("Version 2.1" of "## Version 2.1") and the name."""
    found = []
    for block in plain.parse(text).blocks:
        if block.kind == HEADING:
            name = heading_name(text[block.start:block.end])
            start = text.index(name, block.start, block.end)
            found.append((start, start + len(name), name))
    return found


def _sections(text: str, blocks: list[Block], title: str):
    """Yield ``(breadcrumb, body_blocks)`` for each run of body blocks."""
    stack: list[str] = []
    pending: list[tuple[int, str]] = []  # headings seen since the last body block
    body: list[Block] = []
    for block in blocks + [None]:
        if block is not None and block.kind == HEADING:
            if body:
                yield _crumb(stack), body
                body = []
            pending.append((block.level, heading_name(text[block.start:block.end])))
            continue
        if pending:
            stack = _apply_headings(stack, pending)
            pending = []
        if block is None:
            break
        body.append(block)
    if body:
        yield _crumb(stack), body


def _apply_headings(stack: list[str], pending: list[tuple[int, str]]) -> list[str]:
    """Markdown levels nest by number; a run of plain headings nests inside itself and
    replaces as many innermost levels of the current breadcrumb as it has headings."""
    for level, name in pending:
        if level > 0:
            stack = stack[: level - 1] + [""] * max(0, level - 1 - len(stack)) + [name]
    plain = [name for level, name in pending if level == 0]
    if plain:
        if _PART_HEADING.match(plain[0]):
            stack = []
        stack = stack[: max(0, len(stack) - len(plain))] + plain
    return stack


def _crumb(stack: list[str]) -> str:
    return BREADCRUMB_SEPARATOR.join(name for name in stack if name)


def _pack(text: str, body: list[Block], settings: ChunkerSettings) -> list[tuple[int, int]]:
    """Group a section's sentences into spans of about ``target_chars``."""
    units: list[tuple[int, int, bool]] = []  # sentence start, end, starts a paragraph
    for block in body:
        for index, (start, end) in enumerate(_bounded_sentences(text, block, settings.target_chars)):
            units.append((start, end, index == 0 and block.new_paragraph))
    spans: list[tuple[int, int]] = []
    first = 0
    while first < len(units):
        last = first
        while last + 1 < len(units):
            candidate = units[last + 1]
            if candidate[1] - units[first][0] > settings.target_chars:
                break
            if candidate[2] and _paragraph_fits_badly(units, first, last + 1, settings):
                break
            last += 1
        spans.append((units[first][0], units[last][1]))
        if last + 1 >= len(units):
            break
        next_first = last + 1
        while (next_first - 1 > first and not units[next_first][2]
               and units[last][1] - units[next_first - 1][0] <= settings.overlap_chars):
            next_first -= 1
        first = next_first
    return spans


def _paragraph_fits_badly(units, first: int, paragraph: int, settings: ChunkerSettings) -> bool:
    """Break before a paragraph that will not fit whole in this chunk: always when it would
    fit in a chunk of its own (so it is never split), else once the chunk is half full."""
    end = paragraph
    while end + 1 < len(units) and not units[end + 1][2]:
        end += 1
    if units[end][1] - units[first][0] <= settings.target_chars:
        return False
    fits_alone = units[end][1] - units[paragraph][0] <= settings.target_chars
    half_full = units[paragraph - 1][1] - units[first][0] >= settings.target_chars // 2
    return half_full or (fits_alone and settings.paragraphs == "whole")


def _bounded_sentences(text: str, block: Block, limit: int):
    """Sentences of a block (a code block is one); a sentence longer than ``limit`` is cut at
    a line break or white space (or hard, for unbroken tokens): the only case where a chunk
    ends mid-sentence."""
    spans = [(block.start, block.end)] if block.kind == CODE else sentence_spans(text, block.start, block.end)
    for start, end in spans:
        while end - start > limit:
            cut = text.rfind("\n", start + limit // 2, start + limit)
            cut = cut if cut > start else text.rfind(" ", start + limit // 2, start + limit)
            cut = cut if cut > start else start + limit
            yield start, cut
            start = cut
            while start < end and text[start].isspace():
                start += 1
        if start < end:
            yield start, end


def _chunk_id(doc: str, text: str, seen: set[str]) -> str:
    digest = hashlib.sha256(f"{doc}\n{text}".encode()).hexdigest()[:16]
    candidate, ordinal = digest, 1
    while candidate in seen:  # the same text twice in one document
        ordinal += 1
        candidate = f"{digest}-{ordinal}"
    seen.add(candidate)
    return candidate


def _title_from_path(doc: str) -> str:
    stem = PurePosixPath(doc).stem.replace("_", " ").replace("-", " ").strip()
    return stem[:1].upper() + stem[1:] if stem else doc


class _LineIndex:
    def __init__(self, text: str) -> None:
        self._newlines = [match.start() for match in re.finditer("\n", text)]

    def line_of(self, offset: int) -> int:
        """1-based line number of the character at ``offset``."""
        return bisect.bisect_left(self._newlines, offset) + 1
