"""Local vs Qdrant (embedded local mode) retrieval on SciFact train and the SQuAD set: the same
index generation ranked by both backends, the same fusion (z-score, done by corpusqa on both
sides), every judged query. `python -m bench.qdrant_parity [--datasets squad,scifact]`."""

from __future__ import annotations

import argparse
import json
import tempfile
from pathlib import Path

from index.backends import BackendConfig
from index.backends.qdrant import QdrantBackend, publish_generation
from index.builder import build_index
from qa.assistant import Assistant
from qa.datasets import load_beir, materialise_beir_corpus
from qa.evaluation import beir_units, evaluate_retrieval
from qa.retrieval import Retriever
from qa.squad import load_squad, materialise_squad_corpus

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
MODES = ["bm25", "dense", "hybrid"]


def compare(name: str, corpus: Path, index_dir: Path, queries, qrels, units_of) -> list[dict]:
    build_index(corpus, index_dir, progress=True)
    rows = []
    with Assistant.open(index_dir) as assistant, tempfile.TemporaryDirectory() as folder:
        local = assistant.retriever
        config = BackendConfig("qdrant", qdrant_path=folder)
        publish_generation(config, assistant.generation, progress=True)
        remote = Retriever(local.records, local.lexical, local.tokenizer, QdrantBackend(config, assistant.generation),
                           local.embedder, None, local.fusion)
        units = units_of(local)
        for backend, retriever in (("local", local), ("qdrant", remote)):
            for result in evaluate_retrieval(queries, qrels, retriever, MODES, units, progress=True):
                row = result.row()
                rows.append({"dataset": name, "backend": backend, "mode": row["mode"],
                             **{k: row[k] for k in ("nDCG@10", "Recall@100", "latency_ms_p50", "latency_ms_p95")}})
                print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default="squad,scifact", help="Comma-separated: squad, scifact.")
    args = parser.parse_args()
    rows = []
    if "squad" in args.datasets:
        squad = load_squad(SHARED / "squad2-train-10" / "train-v2.0-10-articles.json")
        corpus, index_dir = materialise_squad_corpus(squad)
        asked = [q for q in squad.questions if q.answerable]

        def paragraphs(retriever) -> list[list[str]]:
            return [squad.paragraph_of(c.doc, c.start, c.end)
                    for c in retriever.records.chunks(list(range(retriever.records.size)))]

        rows += compare("squad2-train-10", corpus, index_dir, {q.id: q.question for q in asked},
                        {q.id: {q.paragraph: 1} for q in asked}, paragraphs)
    if "scifact" in args.datasets:
        beir = load_beir(SHARED / "scifact-train", "train")
        corpus, index_dir = materialise_beir_corpus(beir, progress=True)
        rows += compare("scifact-train", corpus, index_dir, beir.queries, beir.qrels, beir_units)
    print("| dataset | mode | local nDCG@10 | qdrant nDCG@10 | local R@100 | qdrant R@100 | local p50/p95 ms | qdrant p50/p95 ms |")
    print("|---|---|---|---|---|---|---|---|")
    for dataset in dict.fromkeys(r["dataset"] for r in rows):
        for mode in MODES:
            lo, qd = (next(r for r in rows if r["dataset"] == dataset and r["mode"] == mode and r["backend"] == b)
                      for b in ("local", "qdrant"))
            print(f"| {dataset} | {mode} | {lo['nDCG@10']:.4f} | {qd['nDCG@10']:.4f} | {lo['Recall@100']:.4f} | "
                  f"{qd['Recall@100']:.4f} | {lo['latency_ms_p50']:.1f}/{lo['latency_ms_p95']:.1f} | "
                  f"{qd['latency_ms_p50']:.1f}/{qd['latency_ms_p95']:.1f} |")


if __name__ == "__main__":
    main()
