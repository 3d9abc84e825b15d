"""SQuAD paragraphs cut into sentences with the project's splitter (``index.sentences``), as
labelled (question, sentence, context) examples for the reader.

For an answerable question:
- positive: each sentence that wholly holds a gold answer span, with that span (the answer most
  annotators gave, where SQuAD 1.1 has several) as characters of the sentence;
- ``paragraph`` negatives: the other sentences of its paragraph;
- ``near`` negatives: the sentences of the article's other paragraphs that BM25 ranks highest
  for the question (what retrieval would put beside the answer);
- ``removed``: the question asked of its paragraph without the gold sentence(s): the sentence
  after them, read with the context it then has (the sentence before them). Every other
  sentence of that paragraph is already a ``paragraph`` negative with its own context.
For a SQuAD 2.0 unanswerable question: every sentence of its paragraph (``impossible``), and
its near misses.

A sentence that only partly holds a gold span, or that holds a gold answer's text elsewhere
(the year named twice), is left out rather than called a negative. The context of a sentence is
the sentence before it in its paragraph ("" for the first).

Data: SQuAD 1.1 dev (36 articles) with ``DEV_ARTICLES`` kept aside for choosing settings and
measuring, and the FIT half of the SQuAD 2.0 sample (even file index, as
``qa/evaluate/answers.py: article_split``) less ``HELD_OUT_SQUAD2`` (the fit half's one article with
unanswerable questions, kept out so those are a held-out measure). The REPORT half is never
read here."""

from __future__ import annotations

import json
import math
import random
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from index.sentences import sentence_spans

DATASETS = Path(__file__).resolve().parents[4] / "shared" / "datasets"
SQUAD1_DEV = DATASETS / "squad1-dev-36" / "dev-v1.1-36-articles.json"
SQUAD2_TRAIN = DATASETS / "squad2-train-10" / "train-v2.0-10-articles.json"
# Kept aside from squad1-dev-36 (file index 4, 13, 22, 31: every ninth from the fifth) to choose
# settings and report on: 714 questions.
DEV_ARTICLES = ("Chloroplast", "Geology", "Normans", "Teacher")
# The SQuAD 2.0 fit half's only article with unanswerable questions (160 of 374).
HELD_OUT_SQUAD2 = ("The_Legend_of_Zelda:_Twilight_Princess",)

_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(
    "a an the of in on at to for from by with as and or but is are was were be been being do does did "
    "what which who whom whose when where why how that this these those it its it's he she they them his "
    "her their there than then so such not no nor if into about over after before during under between "
    "has have had can could would should will may might must shall i you we our your my me us any all "
    "some each other one also".split())
_ARTICLES = re.compile(r"\b(a|an|the)\b")
_PUNCTUATION = re.compile(r"[^\w\s]")


def normalise_answer(text: str) -> str:
    """SQuAD's answer normalisation: lower case, no punctuation or articles, single spaces."""
    return " ".join(_ARTICLES.sub(" ", _PUNCTUATION.sub("", text.casefold())).split())


def words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.casefold()) if w not in _STOPWORDS]


@dataclass(frozen=True)
class Sentence:
    paragraph: int
    start: int  # [start, end) in the paragraph
    end: int
    text: str
    context: str  # the sentence before it in the paragraph, or ""


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    paragraph: int
    spans: tuple[tuple[int, int], ...]  # gold answers as [start, end) of the paragraph
    answers: tuple[str, ...]
    impossible: bool


@dataclass
class Article:
    title: str
    source: str  # "squad1-dev" or "squad2-fit"
    paragraphs: list[str]
    sentences: list[list[Sentence]]  # per paragraph
    questions: list[Question]

    def all_sentences(self) -> list[Sentence]:
        return [s for p in self.sentences for s in p]


@dataclass(frozen=True)
class Example:
    qid: str
    question: str
    sentence: str
    context: str
    label: int
    span: tuple[int, int] | None  # the short answer as [start, end) of the sentence (positives)
    kind: str  # gold, paragraph, near, removed, impossible


def paragraph_sentences(index: int, text: str) -> list[Sentence]:
    spans = list(sentence_spans(text))
    return [Sentence(index, a, b, text[a:b], text[spans[k - 1][0]:spans[k - 1][1]] if k else "")
            for k, (a, b) in enumerate(spans)]


def load_articles(path: Path, source: str, titles: set[str] | None = None,
                  indices: set[int] | None = None) -> list[Article]:
    """The articles of a SQuAD file (only ``titles`` / file ``indices`` when given)."""
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    articles = []
    for i, raw in enumerate(data):
        if (titles is not None and raw["title"] not in titles) or (indices is not None and i not in indices):
            continue
        paragraphs, sentences, questions = [], [], []
        for p, paragraph in enumerate(raw["paragraphs"]):
            text = paragraph["context"]
            paragraphs.append(text)
            sentences.append(paragraph_sentences(p, text))
            for qa in paragraph["qas"]:
                impossible = bool(qa.get("is_impossible"))
                gold = [] if impossible else qa["answers"]
                questions.append(Question(
                    qa["id"], qa["question"].strip(), p,
                    tuple((a["answer_start"], a["answer_start"] + len(a["text"])) for a in gold),
                    tuple(a["text"] for a in gold), impossible))
        articles.append(Article(raw["title"], source, paragraphs, sentences, questions))
    return articles


def squad2_fit_indices(path: Path = SQUAD2_TRAIN) -> set[int]:
    """File indices of the SQuAD 2.0 FIT half: even positions (``qa/evaluate/answers.py: article_split``)."""
    count = len(json.loads(path.read_text(encoding="utf-8"))["data"])
    return {i for i in range(count) if i % 2 == 0}


def splits(squad1: Path = SQUAD1_DEV, squad2: Path = SQUAD2_TRAIN) -> dict[str, list[Article]]:
    """``train`` (squad1-dev-36 less DEV_ARTICLES, SQuAD 2.0 fit half less HELD_OUT_SQUAD2),
    ``dev`` (DEV_ARTICLES) and ``held_out`` (HELD_OUT_SQUAD2). The report half is never loaded."""
    first = load_articles(squad1, "squad1-dev")
    fit = load_articles(squad2, "squad2-fit", indices=squad2_fit_indices(squad2))
    return {"train": [a for a in first if a.title not in DEV_ARTICLES] + [a for a in fit if a.title not in HELD_OUT_SQUAD2],
            "dev": [a for a in first if a.title in DEV_ARTICLES],
            "held_out": [a for a in fit if a.title in HELD_OUT_SQUAD2]}


class SentenceBM25:
    """Okapi BM25 (k1 1.2, b 0.75) over one article's sentences."""

    def __init__(self, sentences: list[Sentence], k1: float = 1.2, b: float = 0.75):
        self.sentences = sentences
        self.counts = [Counter(words(s.text)) for s in sentences]
        lengths = [sum(c.values()) for c in self.counts]
        average = sum(lengths) / max(1, len(lengths))
        self.postings: dict[str, list[tuple[int, float]]] = defaultdict(list)
        for i, counts in enumerate(self.counts):
            norm = k1 * (1 - b + b * lengths[i] / max(average, 1e-9))
            for word, tf in counts.items():
                self.postings[word].append((i, tf * (k1 + 1) / (tf + norm)))
        n = len(sentences)
        self.idf = {w: math.log(1 + (n - len(p) + 0.5) / (len(p) + 0.5)) for w, p in self.postings.items()}

    def scores(self, query: str) -> list[float]:
        scores = [0.0] * len(self.sentences)
        for word in set(words(query)):
            for i, weight in self.postings.get(word, ()):
                scores[i] += self.idf[word] * weight
        return scores

    def ranked(self, query: str) -> list[int]:
        """Sentence indices by score, best first (ties in document order)."""
        scores = self.scores(query)
        return sorted(range(len(scores)), key=lambda i: (-scores[i], i))


def _holds_text(sentence: str, answers: tuple[str, ...]) -> bool:
    padded = f" {normalise_answer(sentence)} "
    return any(f" {a} " in padded for a in map(normalise_answer, answers) if a)


def gold_sentences(article: Article, question: Question) -> tuple[list[tuple[Sentence, tuple[int, int]]], set[int]]:
    """The sentences of the question's paragraph wholly holding a gold span, each with its
    span in sentence characters (the span most annotators gave), and the indices (in the
    paragraph) of sentences that only partly hold one."""
    sentences = article.sentences[question.paragraph]
    votes = Counter(question.spans)
    holding, partial = [], set()
    for k, s in enumerate(sentences):
        inside = [span for span in question.spans if s.start <= span[0] and span[1] <= s.end]
        if inside:
            a, b = max(inside, key=lambda span: (votes[span], -question.spans.index(span)))
            holding.append((s, (a - s.start, b - s.start)))
        elif any(span[0] < s.end and s.start < span[1] for span in question.spans):
            partial.add(k)
    return holding, partial


def near_misses(article: Article, bm25: SentenceBM25, question: Question, count: int,
                exclude_answers: bool = True) -> list[Sentence]:
    """The ``count`` best BM25 sentences outside the question's paragraph (with
    ``exclude_answers``, none holding a gold answer's text)."""
    chosen = []
    for i in bm25.ranked(question.text):
        if len(chosen) >= count:
            break
        s = bm25.sentences[i]
        if s.paragraph == question.paragraph or (exclude_answers and _holds_text(s.text, question.answers)):
            continue
        chosen.append(s)
    return chosen


def build_examples(articles: list[Article], seed: int = 13, near: int = 3, max_paragraph: int = 6,
                   removed: bool = True) -> list[Example]:
    """Every example of ``articles`` (see the module docstring), in a deterministic order;
    at most ``max_paragraph`` same-paragraph negatives per question (chosen by ``seed``)."""
    rng = random.Random(seed)
    examples: list[Example] = []
    for article in articles:
        bm25 = SentenceBM25(article.all_sentences())
        for q in article.questions:
            sentences = article.sentences[q.paragraph]
            if q.impossible:
                for s in sentences:
                    examples.append(Example(q.id, q.text, s.text, s.context, 0, None, "impossible"))
                for s in near_misses(article, bm25, q, near, exclude_answers=False):
                    examples.append(Example(q.id, q.text, s.text, s.context, 0, None, "near"))
                continue
            holding, partial = gold_sentences(article, q)
            if not holding:
                continue  # the answer crosses a sentence boundary
            for s, span in holding:
                examples.append(Example(q.id, q.text, s.text, s.context, 1, span, "gold"))
            gold = {s.start for s, _ in holding}
            others = [s for k, s in enumerate(sentences)
                      if s.start not in gold and k not in partial and not _holds_text(s.text, q.answers)]
            if len(others) > max_paragraph:
                others = sorted(rng.sample(others, max_paragraph), key=lambda s: s.start)
            for s in others:
                examples.append(Example(q.id, q.text, s.text, s.context, 0, None, "paragraph"))
            for s in near_misses(article, bm25, q, near):
                examples.append(Example(q.id, q.text, s.text, s.context, 0, None, "near"))
            if removed:
                example = removed_example(sentences, gold, partial, q)
                if example is not None:
                    examples.append(example)
    return examples


def removed_example(sentences: list[Sentence], gold: set[int], partial: set[int], q: Question) -> Example | None:
    """The sentence after the gold sentence(s), read as if they were not there."""
    positions = [k for k, s in enumerate(sentences) if s.start in gold]
    after = positions[-1] + 1
    if after >= len(sentences) or after in partial or _holds_text(sentences[after].text, q.answers):
        return None
    before = positions[0] - 1
    context = sentences[before].text if before >= 0 else ""
    return Example(q.id, q.text, sentences[after].text, context, 0, None, "removed")


def summary(examples: list[Example]) -> str:
    kinds = Counter(e.kind for e in examples)
    questions = len({e.qid for e in examples})
    return f"{len(examples):,} examples of {questions:,} questions: " + ", ".join(f"{k} {v:,}" for k, v in kinds.most_common())


if __name__ == "__main__":
    parts = splits()
    for name, arts in parts.items():
        print(name, [a.title for a in arts])
        print("  ", summary(build_examples(arts)))
