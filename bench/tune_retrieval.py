"""Retrieval settings compared on two unlike datasets at once: SciFact train (scientific
claims → abstracts) and the SQuAD set (Wikipedia questions → their paragraph). One table per
dataset, then the one setting chosen by the mean nDCG@10 of both (never per dataset).

    .venv/bin/python -m bench.tune_retrieval [--scifact DIR] [--squad FILE] [--output FILE]

Each dataset's index is built once with the product's pipeline (cached); the rankers' top
100 per query are computed once per BM25 setting (variant, fields, stopword list), then every
fusion setting re-fuses them (score fusion with a row missing from one list floored at that
list's lowest, or given its exact score)."""

from __future__ import annotations

import argparse
import itertools
import json
import time
from pathlib import Path

import numpy as np

from index.builder import build_index
from index.dense import load_dense, search_dense
from index.embedding import Embedder
from index.generations import current_generation
from index.lexical import BM25Settings, LexicalIndex, top_positive
from index.manifest import Manifest
from index.store import RECORDS_FILE, RecordStore
from index.text import indexed_text
from index.tokenization import STOPWORD_LISTS, Tokenizer, TokenizerSettings
from qa.evaluate.datasets import doc_id_from_path, load_beir, materialise_beir_corpus
from qa.evaluate.retrieval import collapse_to_documents, ranking_metrics
from qa.search.fusion import FusionSettings, fuse
from qa.evaluate.squad import load_squad, materialise_squad_corpus

ROOT = Path(__file__).resolve().parent.parent
DEPTH = 100
FUSIONS = ([FusionSettings("rrf", k, w, bm25_weight=1.0) for k, w in itertools.product((10, 30, 60), (1.0, 1.25, 1.5))]
           + [FusionSettings(m, dense_weight=a, bm25_weight=1 - a, exact_missing=exact, floor=floor)
              for m in ("minmax", "zscore", "dbsf") for a in (0.3, 0.4, 0.5, 0.6, 0.7) for exact in (False, True)
              for floor in ((None, -5.0) if m == "zscore" else (None,))]
           + [FusionSettings("zscore", floor=floor) for floor in (-6.0, -4.0, -3.0, -2.5, -2.0, -1.5)])
FIELDS = ("in body", "separate field")  # title/section repeated into each chunk's tokens, or a second ranker
FIELD_WEIGHTS = (0.25, 0.5, 1.0)


class Prepared:
    """One dataset: its queries, judgements, chunk → judged-unit mapping and stores."""

    def __init__(self, name: str, queries: dict[str, str], qrels: dict, corpus: Path, index_dir: Path,
                 units_of_row, embedder: Embedder) -> None:
        self.name, self.queries, self.qrels = name, queries, qrels
        build_index(corpus, index_dir, embedder=embedder, progress=True)
        generation = current_generation(index_dir)
        manifest = Manifest.load(generation)
        records = RecordStore(generation / RECORDS_FILE)
        self.chunks = records.chunks(list(range(records.size)))
        self.units = [units_of_row(c) for c in self.chunks]
        self.dense_index = load_dense(generation, manifest.dense_index, records.size, manifest.dimension)
        self.vectors = self.dense_index.reconstruct_n(0, self.dense_index.ntotal)
        started = time.perf_counter()
        self.query_vectors = embedder.encode(list(queries.values()))
        print(f"{name}: {len(self.chunks)} chunks, {len(queries)} queries embedded in "
              f"{time.perf_counter() - started:.0f} s")

    def dense_runs(self) -> list[list[tuple[int, float]]]:
        return [search_dense(self.dense_index, v, DEPTH) for v in self.query_vectors]

    def bm25_runs(self, settings: BM25Settings, fields: str, field_weight: float, stopwords: str):
        """Each query's BM25 top ``DEPTH`` and, per query, its exact (cosine, BM25) scores of given rows."""
        tokenize = Tokenizer(TokenizerSettings(stopwords=stopwords))
        queries = [tokenize(q) for q in self.queries.values()]
        place = None
        if fields == "in body":
            body = LexicalIndex([tokenize(indexed_text(c.title, c.section, c.text)) for c in self.chunks], settings)
            runs = [body.search(q, DEPTH) for q in queries]
        else:
            body = LexicalIndex([tokenize(c.text) for c in self.chunks], settings)
            place = LexicalIndex([tokenize(indexed_text(c.title, c.section, "")) for c in self.chunks], settings)
            runs = [top_positive(body.scores(q) + field_weight * place.scores(q), DEPTH) for q in queries]

        def exact_for(query: list[str], vector: np.ndarray):
            def exact(rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
                bm25 = body.scores_at(query, rows)
                if place is not None:
                    bm25 = bm25 + field_weight * place.scores_at(query, rows)
                return self.vectors[rows] @ vector, bm25
            return exact

        return runs, [exact_for(q, v) for q, v in zip(queries, self.query_vectors)]

    def metrics(self, rankings: list[list[int]]) -> dict[str, float]:
        run = {}
        for qid, rows in zip(self.queries, rankings):
            run[qid] = collapse_to_documents([u for r in rows for u in self.units[r]], DEPTH)
        return ranking_metrics(self.qrels, run)[0]


def scifact(folder: Path, embedder: Embedder) -> Prepared:
    beir = load_beir(folder, "train")
    corpus, index_dir = materialise_beir_corpus(beir, progress=True)
    return Prepared("SciFact train", beir.queries, beir.qrels, corpus, index_dir,
                    lambda c: [doc_id_from_path(c.doc)], embedder)


def squad(file: Path, embedder: Embedder) -> Prepared:
    dataset = load_squad(file)
    corpus, index_dir = materialise_squad_corpus(dataset)
    answerable = [q for q in dataset.questions if q.answerable]
    return Prepared("SQuAD (10 articles)", {q.id: q.question for q in answerable},
                    {q.id: {q.paragraph: 1} for q in answerable}, corpus, index_dir,
                    lambda c: dataset.paragraph_of(c.doc, c.start, c.end), embedder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scifact", type=Path, default=ROOT.parent / "shared" / "datasets" / "scifact-train")
    parser.add_argument("--squad", type=Path, default=ROOT.parent / "shared" / "datasets" / "squad2-train-10"
                        / "train-v2.0-10-articles.json")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "results" / "tune_retrieval.json")
    args = parser.parse_args()
    embedder = Embedder()
    datasets = [scifact(args.scifact, embedder), squad(args.squad, embedder)]
    results: dict[str, dict] = {}
    for data in datasets:
        dense = data.dense_runs()
        table = results.setdefault(data.name, {})
        table["dense"] = data.metrics([[r for r, _ in run] for run in dense])
        for variant, fields, field_weight, stopwords in lexical_settings():
            bm25, exact = data.bm25_runs(BM25Settings(variant), fields, field_weight, stopwords)
            lexical = f"bm25 {variant}, {stopwords} stopwords, {fields}" + (f" ×{field_weight}" if field_weight else "")
            table[lexical] = data.metrics([[r for r, _ in run] for run in bm25])
            for fusion in FUSIONS:
                fused = [fuse(d, b, DEPTH, fusion, e).rows.tolist() for d, b, e in zip(dense, bm25, exact)]
                table[f"hybrid {describe(fusion)} | {lexical}"] = data.metrics(fused)
        print_table(data.name, table)
    choose(results)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1))
    print(f"\nall rows: {args.output}")


def lexical_settings():
    """(variant, fields, field weight, stopword list): each variant with title and section in
    the body or as a weighted second field, under the default stopwords; then every stopword
    list for the default variant."""
    default = TokenizerSettings().stopwords
    for variant in ("okapi", "atire", "lucene"):
        for fields in FIELDS:
            for field_weight in (FIELD_WEIGHTS if fields == "separate field" else (0.0,)):
                yield variant, fields, field_weight, default
    for stopwords in STOPWORD_LISTS:
        if stopwords != default:
            yield BM25Settings().variant, FIELDS[0], 0.0, stopwords


def describe(fusion: FusionSettings) -> str:
    if fusion.method == "rrf":
        return f"rrf k={fusion.rrf_k} dense×{fusion.dense_weight}"
    missing = "exact" if fusion.exact_missing else "at the list's lowest"
    floor = f", floor {fusion.floor}" if fusion.floor is not None else ""
    return f"{fusion.method} dense {fusion.dense_weight:.1f}, missing rows {missing}{floor}"


def print_table(name: str, table: dict, top: int = 12) -> None:
    print(f"\n{name}: single rankers, then the best {top} hybrids (nDCG@10, Recall@100)")
    singles = [k for k in table if not k.startswith("hybrid")]
    hybrids = sorted((k for k in table if k.startswith("hybrid")), key=lambda k: -table[k]["nDCG@10"])
    for key in singles + hybrids[:top]:
        print(f"  {table[key]['nDCG@10']:.4f}  {table[key]['Recall@100']:.4f}  {key}")


def choose(results: dict) -> None:
    names = list(results)
    hybrids = [k for k in results[names[0]] if k.startswith("hybrid")]
    ranked = sorted(hybrids, key=lambda k: -np.mean([results[n][k]["nDCG@10"] for n in names]))
    print("\nChosen on both datasets (mean nDCG@10), top 8:")
    for key in ranked[:8]:
        print("  " + "  ".join(f"{results[n][key]['nDCG@10']:.4f}/{results[n][key]['Recall@100']:.4f}"
                               for n in names) + f"  {key}")


if __name__ == "__main__":
    main()
