"""The indexing pipeline itself at scale, without embedding: scan, hash, parse, chunk,
tokenize and write SQLite for N synthetic documents (BM25-only build, the model pointed at
a missing path), then open the index (a fresh process would do the same work), time the first
answer after opening and BM25 queries.

    .venv/bin/python -m bench.pipeline_scale [--documents 100000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np

from index.builder import build_index
from qa import Assistant


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()
    rng = np.random.default_rng(7)
    vocabulary = np.array([f"w{i}" for i in range(60_000)], dtype=object)
    with tempfile.TemporaryDirectory() as folder:
        corpus = Path(folder) / "corpus"
        for start in range(0, args.documents, 1000):
            shard = corpus / f"shard{start // 1000:04d}"
            shard.mkdir(parents=True)
            for i in range(start, min(start + 1000, args.documents)):
                words = vocabulary[(rng.zipf(1.1, size=int(rng.integers(40, 121))) - 1) % 60_000]
                (shard / f"doc{i}.txt").write_text(" ".join(words) + ".\n")
        started = time.perf_counter()
        summary = build_index(corpus, Path(folder) / "index", model=str(Path(folder) / "no-model"))
        build = time.perf_counter() - started
        started = time.perf_counter()
        unchanged = build_index(corpus, Path(folder) / "index", model=str(Path(folder) / "no-model"))
        again = time.perf_counter() - started
        started = time.perf_counter()
        assistant = Assistant.open(Path(folder) / "index", dense=False)
        opened = time.perf_counter() - started
        started = time.perf_counter()
        assistant.ask("What does " + " ".join(vocabulary[:3]) + " mean?", mode="bm25")
        first_answer = time.perf_counter() - started
        queries = [" ".join(vocabulary[(rng.zipf(1.1, size=6) - 1) % 60_000]) for _ in range(200)]
        latencies = []
        for query in queries:
            started = time.perf_counter()
            assistant.search(query, k=10, mode="bm25")
            latencies.append((time.perf_counter() - started) * 1000)
    print(f"{summary.documents:,} documents -> {summary.chunks:,} chunks: build {build:.1f} s without embedding "
          f"({summary.chunks / build:,.0f} chunks/s); re-index with no change {again:.1f} s "
          f"(up to date: {unchanged.up_to_date}); open {opened:.2f} s, first answer after it {first_answer:.2f} s "
          f"({assistant.retriever.lexical.backend} BM25); search p50 {statistics.median(latencies):.2f} ms")


if __name__ == "__main__":
    main()
