"""SQuAD v1/v2 files as an evaluation set: one Markdown document per article (its title as
heading, its paragraphs as blocks), every question with its paragraph and its gold answers as
exact spans of the indexed document text, so answers and retrieval are both measured on it."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from index.generations import cache_root
from index.text import strip_unsafe

from qa.evaluate.datasets import CORPUS_FILES, DatasetError, _file_digest, doc_file_name


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    question: str
    doc: str  # the article's document path in the materialised corpus
    paragraph: str  # "doc#i": the paragraph it was written about
    answerable: bool
    answers: tuple[str, ...]  # gold answer texts (empty when unanswerable)
    spans: tuple[tuple[int, int], ...]  # the gold answers as [start, end) of the document text


@dataclass(frozen=True)
class SquadArticle:
    title: str
    doc: str
    text: str  # the document text exactly as indexed
    paragraphs: tuple[tuple[int, int], ...]  # each paragraph's [start, end) in ``text``


@dataclass(frozen=True)
class SquadDataset:
    path: Path
    version: str  # "v1" (every question answerable) or "v2"
    articles: tuple[SquadArticle, ...]
    questions: tuple[SquadQuestion, ...]

    def paragraph_of(self, doc: str, start: int, end: int) -> list[str]:
        """The paragraphs a span of ``doc`` overlaps, in order ("doc#i")."""
        article = self._by_doc[doc]
        return [f"{doc}#{i}" for i, (a, b) in enumerate(article.paragraphs) if a < end and start < b]

    @cached_property
    def _by_doc(self) -> dict[str, SquadArticle]:
        return {a.doc: a for a in self.articles}


def is_squad_file(path: Path) -> bool:
    if not (path.is_file() and path.suffix == ".json"):
        return False
    try:
        with path.open(encoding="utf-8") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return '"data"' in head and '"paragraphs"' in head


def load_squad(path: Path, articles: list[str] | None = None) -> SquadDataset:
    """Read a SQuAD v1 or v2 JSON file (v2 when questions carry ``is_impossible``); with
    ``articles``, only those (by title, underscores read as spaces)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        data = raw["data"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DatasetError(f"{path} is not a SQuAD file ({type(error).__name__}: {error})") from error
    version = "v2" if any("is_impossible" in qa for a in data for p in a["paragraphs"] for qa in p["qas"]) else "v1"
    known = [_title(a["title"]) for a in data]
    unknown = set(articles or ()) - set(known)
    if unknown:
        raise DatasetError(f"no article {', '.join(sorted(unknown))} in {path}")
    chosen = [a for a in data if articles is None or _title(a["title"]) in articles]
    built = [_article(a) for a in chosen]
    return SquadDataset(path, version, tuple(b[0] for b in built), tuple(q for b in built for q in b[1]))


def _title(raw: str) -> str:
    return " ".join(raw.replace("_", " ").split())


def _article(raw: dict) -> tuple[SquadArticle, list[SquadQuestion]]:
    title = _title(raw["title"])
    doc = doc_file_name(raw["title"])
    text, paragraphs, questions = f"# {title}\n\n", [], []
    for number, paragraph in enumerate(raw["paragraphs"]):
        context, shift = _clean(paragraph["context"])
        start = len(text)
        text += context + "\n\n"
        paragraphs.append((start, start + len(context)))
        for qa in paragraph["qas"]:
            impossible = bool(qa.get("is_impossible"))
            gold = [] if impossible else qa["answers"]
            spans = tuple((start + shift(a["answer_start"]), start + shift(a["answer_start"] + len(a["text"])))
                          for a in gold)
            questions.append(SquadQuestion(qa["id"], qa["question"], doc, f"{doc}#{number}", not impossible,
                                           tuple(a["text"] for a in gold), spans))
    return SquadArticle(title, doc, text, tuple(paragraphs)), questions


def _clean(context: str):
    """The context as the loader will keep it (control characters dropped, one line), and a
    function moving an offset of the original to the cleaned text."""
    kept = [i for i, c in enumerate(context) if strip_unsafe(c) == c]
    cleaned = "".join(context[i] for i in kept).replace("\n", " ")
    positions = {original: new for new, original in enumerate(kept)}

    def shift(offset: int) -> int:
        while offset not in positions and offset < len(context):
            offset += 1
        return positions.get(offset, len(cleaned))

    return cleaned, shift


def materialise_squad_corpus(dataset: SquadDataset) -> tuple[Path, Path]:
    """Write the articles as plain-text files (see ``materialise_beir_corpus``), cached by file
    and article choice, so `corpusqa index` runs on them unchanged. Returns the corpus folder
    and the folder for its index."""
    chosen = hashlib.sha256("\n".join(a.doc for a in dataset.articles).encode()).hexdigest()[:8]
    cache = cache_root() / "squad" / f"{dataset.path.stem}-{_file_digest(dataset.path)[:12]}-{chosen}-{CORPUS_FILES}"
    corpus, done = cache / "corpus", cache / "corpus.complete"
    if not done.exists():
        corpus.mkdir(parents=True, exist_ok=True)
        for article in dataset.articles:
            (corpus / article.doc).write_text(article.text, encoding="utf-8")
        done.write_text("ok")
    return corpus, cache / "index"
