"""The records corpusqa returns: search hits, citations and answers (JSON-ready)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Hit:
    """A retrieved passage: an exact span ``[start, end)`` of document ``doc``."""

    rank: int
    chunk_id: str
    doc: str  # path relative to the corpus root
    title: str
    section: str
    start: int
    end: int
    line_start: int
    line_end: int
    score: float  # the mode's score: fused RRF score, cosine or BM25
    dense_rank: int | None  # 1-based rank among dense candidates, None if not among them
    bm25_rank: int | None
    text: str
    page: int | None = None  # the page where the passage starts (PDF), else None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Citation:
    """The evidence behind one ``[n]`` marker: ``quote == document_text[start:end]``."""

    n: int
    doc: str
    title: str
    section: str
    start: int
    end: int
    line_start: int
    line_end: int
    chunk_id: str
    quote: str
    page: int | None = None  # the page holding the quote's start (PDF), else None

    def as_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # the answer with [n] markers, or the "not in the documents" message
    abstained: bool
    citations: list[Citation]
    passages: list[Hit]  # what the answer was drawn from (the closest matches when abstaining)
    mode: str  # the retrieval mode that served it, e.g. "hybrid" or "bm25-fallback"
    confidence: float  # the evidence score compared with the abstention threshold
    retrieval_query: str = ""  # the question as searched, with follow-up context if any
    notice: str | None = None  # e.g. why dense retrieval was unavailable
    short_answer: str | None = None  # the words of the first cited sentence that answer, when likely enough
    # The text as pieces and the citation numbers after each: renderers link these numbers and
    # never parse "[n]" out of the text (a quoted document may contain "[12]" itself).
    segments: list[tuple[str, tuple[int, ...]]] = field(default_factory=list)
    generated_by: str | None = None  # the model whose verified sentences are the text, if any
    reply: str | None = None  # what the model wrote, unverified (also when the answer fell back)
    checked: list[dict] = field(default_factory=list)  # each generated sentence: kept or why removed

    @property
    def searched(self) -> bool:
        """Whether passages were searched for it: a reply to small talk ("hi") searched none."""
        return bool(self.passages) or not self.abstained

    def as_dict(self) -> dict:
        """The ``corpusqa ask --json`` object."""
        return {
            "question": self.question, "answer": self.text, "abstained": self.abstained,
            "short_answer": self.short_answer, "mode": self.mode, "notice": self.notice,
            "confidence": round(self.confidence, 4), "retrieval_query": self.retrieval_query,
            "citations": [c.as_dict() for c in self.citations],
            "passages": [h.as_dict() for h in self.passages],
            **({"generated_by": self.generated_by, "reply": self.reply, "sentences": self.checked}
               if self.reply is not None or self.generated_by else {}),
        }
