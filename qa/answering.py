"""Extractive answers: the best sentences of the retrieved passages, each cited by its
exact span, or a plain "not in the documents" when the evidence is too weak."""

from __future__ import annotations

import re

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache, partial

import numpy as np

from index.backends import Scope
from index.sentences import code_spans

from .candidates import Candidate, asked_row, candidate_sentences, looked_up_row, named_section, whole_list
from .conversation import NONE, STRONG, WEAK, Turn, dependence, with_context
from .field_lines import field_line
from .headings import Heading, HeadingAnswers, SectionHeadings
from .list_steps import list_item
from .message_headers import header_line, leading_scores
from .overview import overview
from .records import Answer, Citation
from .retrieval import QueryError, Retriever, SearchResult, check_query
from .scoring import AnswerSettings, SentenceScorer
from .short_answer_model import BestSpan, ShortAnswerModel
from .small_talk import reply as small_talk_reply
from .span_rules import defined_name, definition, shown_span
from .spelling import Speller
from .table_extremes import table_extreme
from .tables import TableHeaders, unmarked

# The sentence cited first is the better of the two best-scored ones by score + 0.3 × its best
# short-answer span's score + 1.0 × that span's softmax share. Chosen on the SQuAD fit articles
# (`python -m bench.lead_sentence`: 2, 3 or 5 sentences, weights 0-1 / 0-2; the short-answer
# trees score those articles in-sample): short-answer token F1 0.608 -> 0.622, first cited
# sentence holds a gold answer 0.727 -> 0.741; BM25 fallback 0.512 -> 0.532, 0.634 -> 0.653.
# 3 or 5 sentences did no better; weights 0.3 / 2.0 read 0.624 but change leads across wider
# score gaps. The second sentence is parsed (~10 ms) only within 1.5 of the best: every change
# of lead there happened within 1.41 (fallback: 152 of 154), and 55 % of questions skip it.
LEAD_CANDIDATES = 2
LEAD_WEIGHTS = (0.3, 1.0)
LEAD_SCORE_GAP = 1.5
TABLE_DOCUMENTS = 64  # documents whose table headers are kept (an answer over a table reads them)
HISTORY_TURNS = 4  # earlier questions that can shape a follow-up (each refers to the one before)
NOT_IN_DOCUMENTS = ("Not in the documents: no passage answers this question with enough "
                    "confidence. The closest matches are listed below.")


@dataclass
class Evidence:
    """What an answer is drawn from: the resolved turn, its passages and scored sentences."""

    turn: Turn
    result: SearchResult
    candidates: list[Candidate]
    features: np.ndarray  # candidates × answer_features.FEATURES
    scores: np.ndarray  # per candidate: which sentence answers best
    confidence: float  # whether any does: compared with the abstention threshold
    spelling: str | None = None  # which typed words were read as others (``spelling.Reading.notice``)


@dataclass(frozen=True)
class Lookup:
    """An answer the question's shape finds, not a sentence score: the candidate that leads,
    the span of it shown as the short answer, or a heading with its span (cited first), and
    whether the lead is cited alone."""

    lead: int
    span: tuple[int, int] | None = None
    heading: tuple[Heading, tuple[int, int]] | None = None
    alone: bool = False


class Answerer:
    def __init__(self, retriever: Retriever, settings: AnswerSettings | None = None) -> None:
        self.retriever = retriever
        self.settings = settings or AnswerSettings.load(dense=retriever.has_dense)
        self.scorer = SentenceScorer(retriever, self.settings)
        self.short_answers = ShortAnswerModel.load(dense=retriever.has_dense)
        self.speller = Speller(retriever.tokenizer, retriever.lexical, retriever.records)
        # a document's table headers and headings, read once (no reference back to self: refcounting frees it)
        self._tables = lru_cache(maxsize=TABLE_DOCUMENTS)(partial(parsed_document, retriever.records, TableHeaders.of))
        self._code_blocks = lru_cache(maxsize=TABLE_DOCUMENTS)(partial(parsed_document, retriever.records, code_spans))
        self._headings = lru_cache(maxsize=TABLE_DOCUMENTS)(partial(parsed_document, retriever.records, SectionHeadings))
        # ... and what their headings answer (no bound method of self: no reference cycle)
        self.headings = HeadingAnswers(self._headings, partial(shown_of, self.short_answers, retriever, self.scorer),
                                       retriever.tokenizer)

    def ask(self, question: str, history: Sequence[str], mode: str, k: int, docs: Sequence[str] = ()) -> Answer:
        question = check_query(question, mode, k)
        return self.small_talk(question, mode) or self.compose(question, self.evidence(question, history, mode, k, docs))

    def small_talk(self, question: str, mode: str) -> Answer | None:
        """The fixed reply to a message that is only a greeting, thanks or a question about
        corpusqa ("hi", "what can you do?": ``qa.small_talk``), with nothing searched; None otherwise."""
        said = small_talk_reply(question, self.retriever.doc_paths)
        return None if said is None else Answer(question=question, text=said, abstained=True, citations=[], passages=[],
                                                mode=self.retriever.served_mode(mode)[0], confidence=0.0)

    def evidence(self, question: str, history: Sequence[str], mode: str, k: int,
                 docs: Sequence[str] = ()) -> Evidence:
        """Resolve the last turns of the conversation in order (unusable ones are skipped),
        then gather evidence for ``question`` (within ``docs``, if given); each question is
        read with its typos corrected (``spelling``)."""
        scope = self.retriever.scope(docs)  # resolved once: an unknown document fails before any search
        previous = None
        for earlier in list(history)[-HISTORY_TURNS:]:
            try:
                previous = self._turn(self.speller.read(check_query(earlier, mode, k)).question, previous, mode, k, scope)
            except QueryError:
                continue
        reading = self.speller.read(question)
        evidence = self._evidence(reading.question, previous, mode, k, scope)
        evidence.spelling = reading.notice
        return evidence

    def _turn(self, question: str, previous: Turn | None, mode: str, k: int, scope: Scope | None) -> Turn:
        """How an earlier question was searched; only a weak cue needs its evidence to tell."""
        kind = dependence(question) if previous is not None else NONE
        if kind == NONE:
            return Turn(question, question, NONE)
        if kind == STRONG:
            return Turn(question, with_context(question, previous)[0], STRONG)
        return self._evidence(question, previous, mode, k, scope).turn

    def _evidence(self, question: str, previous: Turn | None, mode: str, k: int, scope: Scope | None) -> Evidence:
        """Search and score for the question alone or in the conversation's context:
        strong cues always take the context, weak ones only if it gives better evidence."""
        kind = dependence(question) if previous is not None else NONE
        alone = None
        if kind != STRONG:
            alone = self._search_and_score(Turn(question, question, NONE), question, mode, k, scope)
            if kind == NONE:
                return alone
        query, self_contained = with_context(question, previous)
        # A rewritten question ("When was KORUS FTA implemented?") is scored as asked that way.
        in_context = self._search_and_score(Turn(question, query, kind), query if self_contained else question,
                                            mode, k, scope)
        if kind == WEAK and alone.confidence >= in_context.confidence:
            return alone
        return in_context

    def _search_and_score(self, turn: Turn, question: str, mode: str, k: int, scope: Scope | None) -> Evidence:
        result = self.retriever.search(turn.retrieval_query, k, mode, scope)
        candidates = candidate_sentences(result.hits, self._tables, self._code_blocks)
        features = self.scorer.features(turn.retrieval_query, question, candidates)
        scores = self.scorer.score(features)
        return Evidence(turn, result, candidates, features, scores, self.scorer.confidence(features, scores))

    def compose(self, question: str, evidence: Evidence) -> Answer:
        """The answer to ``question`` (as typed; ``evidence.turn.question`` is how it was read).
        What the question looks up (``_lookup``) and an overview of a document it asks for
        (``overview``) answer even below the confidence threshold: neither needs a sentence
        score's support."""
        notice = "; ".join(filter(None, [evidence.result.notice, evidence.spelling])) or None
        common = dict(question=question, passages=evidence.result.hits, mode=evidence.result.mode,
                      confidence=evidence.confidence, retrieval_query=evidence.turn.retrieval_query, notice=notice)
        question = evidence.turn.question
        found = self._lookup(question, evidence)
        opening = [] if found else overview(question, evidence.result.hits, self.retriever, self._tables)
        if evidence.confidence < self.settings.threshold and found is None and not opening:
            return Answer(text=NOT_IN_DOCUMENTS, abstained=True, citations=[], **common)
        chosen, span, heading = (opening, None, None) if opening else self._chosen(question, evidence, found)
        citations = self._citations(chosen, heading[0] if heading else None)
        short = (heading[0].text[slice(*heading[1])] if heading else chosen[0].text[slice(*span)] if span else "") or None
        segments = ([(short, (1,))] if short else []) + [(display_sentence(c.quote), (c.n,))
                                                          for c in citations[bool(heading):]]
        return Answer(text=compose_text(segments, bool(short)), abstained=False, citations=citations,
                      short_answer=short, segments=segments, **common)

    def _chosen(self, question: str, evidence: Evidence, found: Lookup | None
                ) -> tuple[list[Candidate], tuple[int, int] | None, tuple[Heading, tuple[int, int]] | None]:
        """The sentences cited, the span of the first shown as the short answer, and the heading
        cited before them with its span, if one answers: a table row's short answer is the cell
        of the column the question names, if it names one; a party a contract defines by the
        term asked about is its name; a term's short definition; what a heading of the lead's
        section holds and the lead does not."""
        scores = leading_scores(evidence.candidates, evidence.scores)
        lead, best = (found.lead, None) if found else self._lead(question, evidence, scores)
        chosen = [evidence.candidates[lead]] if found and found.alone else \
            self.scorer.select(evidence.candidates, scores, first=lead)
        first = chosen[0].text
        cell = found.span if found else chosen[0].named_cell(question, self.retriever.tokenizer,
                                                             evidence.turn.retrieval_query)
        span = (cell and unmarked(first, cell)) or defined_name(question, first) or definition(question, first)
        own = first[slice(*best.span)] if not span and self.short_answers.shown(best) else None
        heading = found.heading if found else None if span else self.headings.of_lead(question, chosen[0], own)
        if heading is None and own:
            span = shown_span(first, best.span, question)
        return chosen, span, heading

    def _lookup(self, question: str, evidence: Evidence) -> Lookup | None:
        """What the question looks up, if anything: a table row holding its cells, with a column
        it names (``looked_up_row``); a list's item by its place ("What is the first step?",
        ``list_steps``), cited alone; the row a superlative asks for ("Which plan is cheapest?",
        ``table_extremes``), cited alone; a message's header line it asks for ("Who sent the
        email?", ``message_headers``) or a document's field line ("Who attended the meeting?",
        ``field_lines``), cited alone; a section heading it names and asks the rest
        of ("When was version 2.2 released?", ``HeadingAnswers.named``), cited with the best sentence
        under it."""
        row = looked_up_row(evidence.candidates, evidence.scores, question, evidence.turn.retrieval_query,
                            self.retriever.tokenizer)
        if row is not None:
            return Lookup(row[0], span=row[1])
        item = list_item(evidence.candidates, evidence.scores, question, self._headings)
        if item is not None:  # before a table's extreme: "the first step" is no earliest row
            return Lookup(item, alone=True)
        extreme = table_extreme(evidence.candidates, evidence.scores, question, self.retriever.tokenizer, self._tables)
        if extreme is None and evidence.turn.dependence == STRONG:  # "How much does it cost?" after "…cheapest?"
            extreme = table_extreme(evidence.candidates, evidence.scores, evidence.turn.retrieval_query,
                                    self.retriever.tokenizer, self._tables, cell_only=True)
        if extreme is not None:
            return Lookup(extreme[0], span=extreme[1], alone=True)
        header = header_line(evidence.candidates, question) or field_line(evidence.candidates, question,
                                                                          self.retriever.tokenizer)
        if header is not None:  # a section's opening sentence is cited with the best others
            lead, span = header
            return Lookup(lead, span=span, alone=span is not None or evidence.candidates[lead].is_list)
        named = self.headings.named(question, evidence.result.hits, evidence.candidates, evidence.scores)
        return Lookup(named[0], heading=named[1:], alone=True) if named else None

    def _lead(self, question: str, evidence: Evidence, scores: np.ndarray) -> tuple[int, BestSpan | None]:
        """The sentence cited first, with its best short-answer span: of the ``LEAD_CANDIDATES``
        best-scored sentences within ``LEAD_SCORE_GAP`` of the best, the one whose score plus
        ``LEAD_WEIGHTS`` times its best span's score and share is highest (a sentence that
        holds a clear answer to the question). A lead-in with its list has no short answer, and
        leads in place of an item of it that does not stand out (``whole_list``). ``scores``:
        the candidates' (``leading_scores``)."""
        order = [int(i) for i in np.argsort(-scores, kind="stable")[:LEAD_CANDIDATES]]
        top = [i for i in order if scores[order[0]] - scores[i] < LEAD_SCORE_GAP]
        texts = {i: evidence.candidates[i].text for i in top if not evidence.candidates[i].is_list}
        spans = {i: self.short_answers.best(question, text, self.word_vectors(question, text)) for i, text in texts.items()}

        lead = max(top, key=lambda i: lead_weight(float(scores[i]), spans.get(i)))
        whole = whole_list(evidence.candidates, scores, lead)
        if whole is not None:
            return whole, None
        # the row the question asks about, or the conversation ("How many users does it allow?");
        # else a sentence under the section the question names
        moved = asked_row(evidence.candidates, scores, lead, [question, evidence.turn.retrieval_query],
                          self.retriever.tokenizer)
        if moved is None:
            moved = named_section(evidence.candidates, scores, lead, question, self.retriever.tokenizer, LEAD_SCORE_GAP)
        if moved is not None:
            text = evidence.candidates[moved].text
            return moved, self.short_answers.best(question, text, self.word_vectors(question, text))
        return lead, spans.get(lead)

    def _citations(self, chosen: list[Candidate], heading: Heading | None) -> list[Citation]:
        """The chosen sentences' citations, after the lead's section heading if it answers."""
        sources = [(chosen[0].hit, heading.start, heading.end, heading.line, heading.line, heading.text)] if heading else []
        sources += [(c.hit, c.start, c.end, c.line_start, c.line_end, c.text) for c in chosen]
        return [Citation(n, hit.doc, hit.title, hit.section, start, end, first_line, last_line, hit.chunk_id, quote,
                         self.retriever.records.page_at(hit.doc, start))
                for n, (hit, start, end, first_line, last_line, quote) in enumerate(sources, start=1)]

    def word_vectors(self, question: str, sentence: str) -> tuple | None:
        """The question's and the sentence's word vectors, if the short-answer model reads them."""
        return word_vectors(self.short_answers, self.retriever, self.scorer, question, sentence)


def word_vectors(short_answers: ShortAnswerModel, retriever: Retriever, scorer: SentenceScorer, question: str,
                 sentence: str) -> tuple | None:
    """The question's and ``sentence``'s word vectors, if ``short_answers`` reads them."""
    return (retriever.query_tokens(question), scorer.token_vectors(sentence)) if short_answers.reads_vectors else None


def shown_of(short_answers: ShortAnswerModel, retriever: Retriever, scorer: SentenceScorer, question: str,
             text: str) -> tuple[int, int] | None:
    """The span of ``text`` (a heading) that ``short_answers`` shows for ``question``, as shown, if any."""
    found = short_answers.best(question, text, word_vectors(short_answers, retriever, scorer, question, text))
    return shown_span(text, found.span, question) if short_answers.shown(found) else None


def parsed_document(records, parse, doc: str):
    """``parse`` of ``doc``'s text (``records``: the index's ``RecordStore``): its tables'
    headers (``TableHeaders.of``) or headings (``SectionHeadings``); None if it is gone."""
    document = records.document(doc)
    return parse(document.text) if document else None


def lead_weight(score: float, best: BestSpan | None, weights: tuple[float, float] = LEAD_WEIGHTS) -> float:
    """How strongly a sentence should lead: its selection score plus ``weights`` times its
    best span's score and softmax share (a sentence without a candidate span, or whose best
    span is ``withheld``: its score)."""
    return score + (weights[0] * best.score + weights[1] * best.share if best and not best.withheld else 0.0)


def compose_text(segments: list[tuple[str, tuple[int, ...]]], leads_with_short_answer: bool) -> str:
    """The answer's plain text: each segment followed by its ``[n]`` markers; a short
    answer stands on its own line above the sentences."""
    parts = [text + "".join(f" [{n}]" for n in numbers) for text, numbers in segments]
    if leads_with_short_answer:
        return parts[0] + "\n\n" + " ".join(parts[1:])
    return " ".join(parts)


def display_sentence(quote: str) -> str:
    """A quote as it reads in an answer: list markers and line breaks dropped, but a code
    block's lines kept (on a line of their own after the sentence introducing them)."""
    fence = _FENCE_LINE.search(quote)
    if fence:
        lead = display_sentence(quote[:fence.start()]) if quote[:fence.start()].strip() else ""
        return f"{lead}\n{quote[fence.start():].strip()}" if lead else quote[fence.start():].strip()
    return " ".join(quote.lstrip("•◦▪‣*- ").split())


_FENCE_LINE = re.compile(r"^[ \t]*(?:```|~~~)", re.MULTILINE)
