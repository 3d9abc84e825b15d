"""Local vs Qdrant (embedded local mode) retrieval on SciFact train and the SQuAD set: the same
index generation ranked by both backends, every judged query. Fusion: corpusqa's z-score fusion
on both sides (``client``), then hybrid fused by Qdrant on the server (RRF with k 10, DBSF)
beside the same fusion done locally. `python -m bench.qdrant_parity [--datasets squad,scifact] [--fusions client,rrf,dbsf]`."""

from __future__ import annotations

import argparse
import dataclasses
import json
import tempfile
from pathlib import Path

from index.backends import BackendConfig
from index.backends.qdrant_publish import publish_generation
from index.builder import build_index
from index.generations import current_generation
from qa.assistant import Assistant
from qa.evaluate.datasets import load_beir, materialise_beir_corpus
from qa.evaluate.retrieval import beir_units, evaluate_retrieval
from qa.search.fusion import FusionSettings
from qa.evaluate.squad import load_squad, materialise_squad_corpus

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "datasets"
MODES = ["bm25", "dense", "hybrid"]


def setups(qdrant: BackendConfig, fusions: list[str]) -> list[tuple[str, BackendConfig, FusionSettings, list[str]]]:
    """(label, backend, fusion, modes): the product's settings on both backends (``client``),
    then each server-side fusion beside its local twin."""
    chosen = []
    if "client" in fusions:
        chosen += [("local", BackendConfig(), FusionSettings(), MODES), ("qdrant", qdrant, FusionSettings(), MODES)]
    for method in ("rrf", "dbsf"):
        if method in fusions:
            chosen += [(f"local {method}", BackendConfig(), FusionSettings(method=method), ["hybrid"]),
                       (f"qdrant {method} (server)", dataclasses.replace(qdrant, fusion=method),
                        FusionSettings(method=method), ["hybrid"])]
    return chosen


def compare(name: str, corpus: Path, index_dir: Path, queries, qrels, units_of, fusions: list[str]) -> list[dict]:
    build_index(corpus, index_dir, progress=True)
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        qdrant = BackendConfig("qdrant", qdrant_path=folder)
        publish_generation(qdrant, current_generation(index_dir), progress=True)
        units = embedder = None
        for label, backend, fusion, modes in setups(qdrant, fusions):
            with Assistant.open(index_dir, backend=backend, fusion=fusion, embedder=embedder) as assistant:
                units, embedder = units or units_of(assistant.retriever), assistant.retriever.embedder
                for result in evaluate_retrieval(queries, qrels, assistant.retriever, modes, units, progress=True):
                    row = result.row()
                    rows.append({"dataset": name, "backend": label, "mode": row["mode"],
                                 **{k: row[k] for k in ("nDCG@10", "Recall@100", "latency_ms_p50", "latency_ms_p95")}})
                    print(json.dumps(rows[-1]), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--datasets", default="squad,scifact", help="Comma-separated: squad, scifact.")
    parser.add_argument("--fusions", default="client,rrf,dbsf", help="Comma-separated: client, rrf, dbsf.")
    args = parser.parse_args()
    fusions = args.fusions.split(",")
    rows = []
    if "squad" in args.datasets:
        squad = load_squad(SHARED / "squad2-train-10" / "train-v2.0-10-articles.json")
        corpus, index_dir = materialise_squad_corpus(squad)
        asked = [q for q in squad.questions if q.answerable]

        def paragraphs(retriever) -> list[list[str]]:
            return [squad.paragraph_of(c.doc, c.start, c.end)
                    for c in retriever.records.chunks(list(range(retriever.records.size)))]

        rows += compare("squad2-train-10", corpus, index_dir, {q.id: q.question for q in asked},
                        {q.id: {q.paragraph: 1} for q in asked}, paragraphs, fusions)
    if "scifact" in args.datasets:
        beir = load_beir(SHARED / "scifact-train", "train")
        corpus, index_dir = materialise_beir_corpus(beir, progress=True)
        rows += compare("scifact-train", corpus, index_dir, beir.queries, beir.qrels, beir_units, fusions)
    print("| dataset | backend | mode | nDCG@10 | R@100 | p50/p95 ms |")
    print("|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['dataset']} | {r['backend']} | {r['mode']} | {r['nDCG@10']:.4f} | {r['Recall@100']:.4f} | "
              f"{r['latency_ms_p50']:.1f}/{r['latency_ms_p95']:.1f} |")


if __name__ == "__main__":
    main()
