"""Tune the BM25 tokenizer and parameters and the fusion settings on SciFact train.

Uses the index `corpusqa eval ../shared/datasets/scifact-train --split train` cached
(run that first). Prints nDCG@10 per setting; nothing is written.

    .venv/bin/python bench/tune_scifact.py [--dataset ../shared/datasets/scifact-train]
"""

from __future__ import annotations

import argparse
import itertools
from pathlib import Path

from index.text import indexed_text
from index.lexical import LexicalIndex
from index.tokenization import Tokenizer, TokenizerSettings
from qa.assistant import Assistant
from qa.datasets import doc_id_from_path, load_beir, materialise_beir_corpus
from qa.evaluation import collapse_to_documents, ranking_metrics
from qa.retrieval import FusionSettings

DEPTH = 300


def ndcg(dataset, row_docs, rankings) -> float:
    run = {qid: collapse_to_documents([row_docs[r] for r in rows], 100) for qid, rows in rankings.items()}
    return ranking_metrics(dataset.qrels, run)[0]["nDCG@10"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", type=Path, default=Path("../shared/datasets/scifact-train"))
    args = parser.parse_args()
    dataset = load_beir(args.dataset, "train")
    _, index_dir = materialise_beir_corpus(dataset)
    assistant = Assistant.open(index_dir)
    retriever = assistant.retriever
    records = retriever.records
    row_docs = [doc_id_from_path(p) for p in records.row_docs()]
    chunks = records.chunks(list(range(records.size)))
    texts = [indexed_text(c.title, c.section, c.text) for c in chunks]
    queries = dataset.queries

    dense = {qid: [x.row for x in retriever.rank(q, DEPTH, "dense")] for qid, q in queries.items()}
    print(f"dense nDCG@10 {ndcg(dataset, row_docs, dense):.4f}")

    best_lexical = None
    for lowercase, stopwords, stemming in itertools.product([True], [True, False], [True, False]):
        settings = TokenizerSettings(lowercase, stopwords, stemming)
        tokenize = Tokenizer(settings)
        corpus_tokens = [tokenize(t) for t in texts]
        for k1, b in [(1.2, 0.75), (0.9, 0.4), (1.5, 0.75), (1.2, 0.9), (2.0, 0.75)]:
            lexical = LexicalIndex(corpus_tokens, k1=k1, b=b)
            bm25 = {qid: [r for r, _ in lexical.search(tokenize(q), DEPTH)] for qid, q in queries.items()}
            score = ndcg(dataset, row_docs, bm25)
            print(f"bm25 {settings} k1={k1} b={b}: nDCG@10 {score:.4f}", flush=True)
            if best_lexical is None or score > best_lexical[0]:
                best_lexical = (score, settings, k1, b, bm25)
    score, settings, k1, b, bm25 = best_lexical
    print(f"best bm25: {settings} k1={k1} b={b} nDCG@10 {score:.4f}")

    dense_scored = {qid: [(r, 0.0) for r in rows] for qid, rows in dense.items()}
    bm25_scored = {qid: [(r, 0.0) for r in rows] for qid, rows in bm25.items()}
    for rrf_k, dense_weight, depth in itertools.product([5, 10, 20, 40, 60, 100], [0.6, 0.8, 1.0, 1.25, 1.5], [50, 100, 200]):
        retriever.fusion = FusionSettings(rrf_k, dense_weight, 1.0, depth)
        fused = {qid: [x.row for x in retriever.fuse(dense_scored[qid][:depth], bm25_scored[qid][:depth], 200)]
                 for qid in queries}
        print(f"fusion rrf_k={rrf_k} dense_weight={dense_weight} depth={depth}: nDCG@10 "
              f"{ndcg(dataset, row_docs, fused):.4f}", flush=True)


if __name__ == "__main__":
    main()
