"""Evaluation datasets: BEIR folders and labelled-question JSONL files."""

from __future__ import annotations

import csv
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote

from index.generations import cache_root
from index.progress import progress_bar


class DatasetError(ValueError):
    """The dataset cannot be read; the message says why."""


@dataclass(frozen=True)
class BeirDataset:
    root: Path
    split: str
    queries: dict[str, str]  # query id -> text, only queries with judgements
    qrels: dict[str, dict[str, int]]  # query id -> document id -> relevance

    @property
    def corpus_file(self) -> Path:
        return self.root / "corpus.jsonl"


@dataclass(frozen=True)
class LabelledQuestion:
    """One question about a corpus, with what answers it (see qa/data/questions.jsonl)."""

    id: str
    question: str
    kind: str  # factoid, paraphrase, keyword, unanswerable, follow-up
    answerable: bool
    doc: str | None = None  # the document holding the evidence
    evidence: str | None = None  # text that answers it, verbatim from the document
    answers: list[str] = field(default_factory=list)  # accepted answer strings
    history: list[str] = field(default_factory=list)  # earlier questions, for follow-ups
    split: str = "test"  # "tune" or "test"


def is_beir_folder(path: Path) -> bool:
    return path.is_dir() and (path / "corpus.jsonl").is_file()


def load_beir(root: Path, split: str = "test") -> BeirDataset:
    for required in ("corpus.jsonl", "queries.jsonl"):
        if not (root / required).is_file():
            raise DatasetError(f"{root} is not a BEIR folder: {required} is missing")
    qrels_file = root / "qrels" / f"{split}.tsv"
    if not qrels_file.is_file():
        found = sorted(p.stem for p in (root / "qrels").glob("*.tsv"))
        raise DatasetError(f"no qrels for split {split!r} in {root / 'qrels'}"
                           + (f" (found: {', '.join(found)})" if found else ""))
    qrels: dict[str, dict[str, int]] = {}
    with qrels_file.open(encoding="utf-8", newline="") as handle:
        for row in csv.reader(handle, delimiter="\t"):
            if len(row) < 3 or not row[2].strip().lstrip("-").isdigit():
                continue  # the header line
            qrels.setdefault(row[0], {})[row[1]] = int(row[2])
    queries = {}
    for record in _jsonl(root / "queries.jsonl"):
        if str(record.get("_id")) in qrels:
            queries[str(record["_id"])] = str(record.get("text", ""))
    missing = set(qrels) - set(queries)
    if missing:
        raise DatasetError(f"{len(missing)} judged queries have no text in queries.jsonl")
    return BeirDataset(root, split, queries, qrels)


def materialise_beir_corpus(dataset: BeirDataset, progress: bool = False) -> tuple[Path, Path]:
    """Write the BEIR corpus as one plain-text file per document (title as a "#" heading),
    cached by the corpus file's hash, so `corpusqa index` runs on it unchanged. Plain text, not
    Markdown: a Markdown parser would read a line that starts with "1. ", "*" or "<" as markup.
    Returns the corpus folder and the folder for its index."""
    digest = _file_digest(dataset.corpus_file)
    cache = cache_root() / "beir" / f"{dataset.root.name}-{digest[:16]}-{CORPUS_FILES}"
    corpus, done = cache / "corpus", cache / "corpus.complete"
    if not done.exists():
        corpus.mkdir(parents=True, exist_ok=True)
        for record in progress_bar(_jsonl(dataset.corpus_file), "writing corpus", progress, unit="doc"):
            title, text = str(record.get("title") or "").strip(), str(record.get("text") or "").strip()
            body = f"# {' '.join(title.split())}\n\n{text}\n" if title else f"{text}\n"
            (corpus / doc_file_name(str(record["_id"]))).write_text(body, encoding="utf-8")
        done.write_text(digest)
    return corpus, cache / "index"


CORPUS_FILES = "txt"  # the suffix of the files written, part of the cache's name


def doc_file_name(doc_id: str) -> str:
    return quote(doc_id, safe="") + f".{CORPUS_FILES}"


def doc_id_from_path(path: str) -> str:
    return unquote(path.removesuffix(f".{CORPUS_FILES}"))


def load_questions(path: Path) -> list[LabelledQuestion]:
    questions = []
    for number, record in enumerate(_jsonl(path), start=1):
        try:
            questions.append(LabelledQuestion(**record))
        except TypeError as error:
            raise DatasetError(f"{path}:{number}: not a labelled question ({error})") from error
    if not questions:
        raise DatasetError(f"{path} holds no questions")
    return questions


def _jsonl(path: Path):
    try:
        with path.open(encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if line.strip():
                    try:
                        yield json.loads(line)
                    except ValueError as error:
                        raise DatasetError(f"{path}:{number}: invalid JSON ({error})") from error
    except OSError as error:
        raise DatasetError(f"cannot read {path}: {error}") from error


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
